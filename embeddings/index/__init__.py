"""Vector indexes behind one interface, created and loaded through a factory; atomic, versioned saves.

Importing this package does not load faiss: use `create_index` / `load_index` / `read_index`
(`embeddings.index.factory`), which import a backend on first use. ``FaissIndex`` is still offered
here, resolved through the same factory (so a search-thread setting reaches it) when first accessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embeddings.index.base import IndexManifest, IndexMismatchError, VectorIndex, read_manifest
from embeddings.index.factory import (
    INDEX_KINDS,
    backend_class,
    create_index,
    load_index,
    read_index,
    set_search_threads,
)

if TYPE_CHECKING:
    from embeddings.index.faiss_index import FaissIndex

__all__ = [
    "INDEX_KINDS",
    "FaissIndex",
    "IndexManifest",
    "IndexMismatchError",
    "VectorIndex",
    "create_index",
    "load_index",
    "read_index",
    "read_manifest",
    "set_search_threads",
]

_LAZY_BACKEND_CLASSES = {"FaissIndex": "faiss"}  # attribute → backend, imported on first access


def __getattr__(name: str) -> Any:
    if name in _LAZY_BACKEND_CLASSES:
        return backend_class(_LAZY_BACKEND_CLASSES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
