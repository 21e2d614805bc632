"""Create and load vector indexes by kind or saved backend, importing a backend only when it is used.

Callers (the `matcher` domain layer among them) name an index *kind* (``"flat"``, ``"hnsw"``,
``"ivf"``, ``"ivfpq"``) and never import a backend module, so ``import matcher`` does not load faiss and a new
backend is one entry in :data:`INDEX_BACKENDS` plus its module. A backend module defines a
:class:`~embeddings.index.base.VectorIndex` subclass and ``set_num_threads(threads)``.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from embeddings.index.base import VectorIndex, read_manifest, read_manifest_file

__all__ = [
    "INDEX_BACKENDS",
    "INDEX_KINDS",
    "TRAINED_KINDS",
    "backend_class",
    "create_index",
    "load_index",
    "read_index",
    "set_search_threads",
]

# backend name (as written in manifests) → (module, class); modules are imported on first use
INDEX_BACKENDS: dict[str, tuple[str, str]] = {
    "faiss": ("embeddings.index.faiss_index", "FaissIndex"),
    "faiss-compressed": ("embeddings.index.faiss_compressed", "CompressedFaissIndex"),
}
# index kind → backend implementing it
INDEX_KINDS: dict[str, str] = {"flat": "faiss", "hnsw": "faiss", "ivf": "faiss", "ivfpq": "faiss-compressed"}
# kinds that learn inverted lists from the first vectors they get (``ivf_nlist`` sizes them)
TRAINED_KINDS: tuple[str, ...] = ("ivf", "ivfpq")

_requested_threads: int | None = None  # the last `set_search_threads`, for backends imported later
_threads_applied: set[str] = set()  # backend modules already running with _requested_threads


def backend_class(backend: str) -> type[VectorIndex]:
    """The index class of ``backend``, importing its module (and applying the search threads) now.

    Raises:
        ValueError: For an unknown backend.
    """
    if backend not in INDEX_BACKENDS:
        raise ValueError(f"unknown vector index backend {backend!r}; options: {', '.join(INDEX_BACKENDS)}")
    module_name, class_name = INDEX_BACKENDS[backend]
    module = importlib.import_module(module_name)
    _apply_threads(module_name, module)
    index_class: type[VectorIndex] = getattr(module, class_name)
    return index_class


def create_index(kind: str, *, dim: int, encoder_id: str, **params: Any) -> VectorIndex:
    """A new empty index of ``kind``.

    Args:
        kind: One of :data:`INDEX_KINDS` (``"flat"`` exact, ``"hnsw"`` graph, ``"ivf"`` inverted lists,
            ``"ivfpq"`` compressed codes re-scored exactly from a memory-mapped float file).
        dim: Vector dimension.
        encoder_id: Id of the encoder producing the vectors (checked on load).
        **params: Backend parameters (for faiss: ``hnsw_m``, ``ef_construction``, ``ef_search``,
            ``ivf_nlist``, ``nprobe``; for ``ivfpq`` also ``pq_m``, ``nbits``, ``shortlist``, ``min_train``).

    Raises:
        ValueError: For an unknown kind (the message names the allowed ones).
    """
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; options: {', '.join(INDEX_KINDS)}")
    index_class: Any = backend_class(INDEX_KINDS[kind])  # backends take (dim, encoder_id, kind, **params)
    index: VectorIndex = index_class(dim, encoder_id, kind, **params)
    return index


def load_index(
    directory: Path,
    expected_encoder_id: str | None = None,
    *,
    expected_dim: int | None = None,
    mmap: bool = False,
) -> VectorIndex:
    """Load the live version of an index saved with ``VectorIndex.save``, by the backend in its manifest.

    Raises:
        FileNotFoundError: Nothing saved at ``directory``.
        IndexMismatchError: Built by another encoder.
        ValueError: Written by a backend this installation does not know.
    """
    backend = backend_class(read_manifest(Path(directory)).backend)
    return backend.load(Path(directory), expected_encoder_id, expected_dim=expected_dim, mmap=mmap)


def read_index(
    directory: Path,
    expected_encoder_id: str | None = None,
    *,
    expected_dim: int | None = None,
    mmap: bool = False,
) -> VectorIndex:
    """Read index files written by ``VectorIndex.write_files`` (e.g. inside a collection version).

    Raises:
        FileNotFoundError: No manifest in ``directory``.
        IndexMismatchError: Built by another encoder.
        ValueError: Written by a backend this installation does not know.
    """
    backend = backend_class(read_manifest_file(Path(directory)).backend)
    return backend.read_files(Path(directory), expected_encoder_id, expected_dim=expected_dim, mmap=mmap)


def set_search_threads(threads: int) -> None:
    """Set the threads of index searches for the whole process (1 is fastest for single queries).

    Applies now to backends already imported and to the others when they are imported here, so
    calling it does not load faiss.

    Raises:
        ValueError: If ``threads < 1``.
    """
    global _requested_threads
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    _requested_threads = threads
    _threads_applied.clear()
    for module_name, _ in INDEX_BACKENDS.values():
        module = sys.modules.get(module_name)  # imported already (here or directly): apply now
        if module is not None:
            _apply_threads(module_name, module)


def _apply_threads(module_name: str, module: ModuleType) -> None:
    if _requested_threads is not None and module_name not in _threads_applied:
        module.set_num_threads(_requested_threads)
        _threads_applied.add(module_name)
