"""Create and read lexical indexes by backend name, importing the backend module on first use."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from embeddings.lexical.base import LexicalIndex

__all__ = [
    "DEFAULT_LEXICAL_BACKEND",
    "LEXICAL_BACKENDS",
    "create_lexical_index",
    "lexical_class",
    "load_lexical_index",
    "read_lexical_index",
]

# backend name → (module, class); modules are imported on first use
LEXICAL_BACKENDS: dict[str, tuple[str, str]] = {"bm25": ("embeddings.lexical.bm25", "BM25Index")}
DEFAULT_LEXICAL_BACKEND = "bm25"


def lexical_class(name: str) -> type[LexicalIndex]:
    """The lexical index class called ``name``.

    Raises:
        ValueError: For an unknown name (the message names the allowed ones).
    """
    if name not in LEXICAL_BACKENDS:
        raise ValueError(f"unknown lexical index {name!r}; options: {', '.join(LEXICAL_BACKENDS)}")
    module_name, class_name = LEXICAL_BACKENDS[name]
    index_class: type[LexicalIndex] = getattr(importlib.import_module(module_name), class_name)
    return index_class


def create_lexical_index(name: str = DEFAULT_LEXICAL_BACKEND, **params: Any) -> LexicalIndex:
    """A new empty lexical index (``params`` go to the backend, e.g. ``k1``, ``b`` for BM25)."""
    index_class: Any = lexical_class(name)  # concrete backends take keyword parameters
    index: LexicalIndex = index_class(**params)
    return index


def read_lexical_index(directory: Path, name: str = DEFAULT_LEXICAL_BACKEND) -> LexicalIndex:
    """Read index files written by ``LexicalIndex.write_files`` (e.g. inside a collection version)."""
    return lexical_class(name).read_files(Path(directory))


def load_lexical_index(directory: Path, name: str = DEFAULT_LEXICAL_BACKEND) -> LexicalIndex:
    """Load the live version of a lexical index saved with ``LexicalIndex.save``."""
    return lexical_class(name).load(Path(directory))
