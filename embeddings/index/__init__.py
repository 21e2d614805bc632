"""Vector indexes (FAISS) with manifests and atomic, versioned saves.

``FaissIndex`` is imported lazily so that ``import embeddings.index`` does not load faiss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from embeddings.index.base import IndexManifest, IndexMismatchError, VectorIndex, read_manifest

if TYPE_CHECKING:
    from embeddings.index.faiss_index import FaissIndex

__all__ = ["FaissIndex", "IndexManifest", "IndexMismatchError", "VectorIndex", "read_manifest"]


def __getattr__(name: str) -> Any:
    if name == "FaissIndex":
        from embeddings.index.faiss_index import FaissIndex

        return FaissIndex
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
