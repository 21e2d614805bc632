"""Lexical indexes (BM25) over pre-tokenised documents: a small base interface, a factory, one file per
backend.

Importing this package does not import a backend (nor scipy): the factory does on first use.
"""

from __future__ import annotations

from embeddings.lexical.base import LexicalIndex, Query
from embeddings.lexical.factory import (
    DEFAULT_LEXICAL_BACKEND,
    LEXICAL_BACKENDS,
    create_lexical_index,
    load_lexical_index,
    read_lexical_index,
)

__all__ = [
    "DEFAULT_LEXICAL_BACKEND",
    "LEXICAL_BACKENDS",
    "LexicalIndex",
    "Query",
    "create_lexical_index",
    "load_lexical_index",
    "read_lexical_index",
]
