"""FAISS vector index (flat, HNSW or IVF) keyed by caller ids; the only module importing faiss.

Faiss stores vectors at internal positions; a :class:`PositionMap` maps caller ids to them. This lets
every kind support updates and removals (HNSW cannot delete, so removed positions become tombstones
that a selector skips, and the graph is rebuilt when a third of it is dead) and lets filtered searches
use a cheap bitmap selector over positions instead of a hash set over ids.

Create and load it through `embeddings.index.factory`, which imports this module only when needed.

Speed notes: a single query is fastest with one faiss thread (:func:`set_num_threads`); the flat kind
scans with a numpy mat-vec on a zero-copy view of faiss storage. Searching while another thread
mutates the same index is not safe: build a new index and swap it in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import faiss as _faiss_stubbed
import numpy as np

from embeddings.index.base import (
    MANIFEST_FILE,
    IndexManifest,
    VectorIndex,
    check_encoder,
    default_nlist,
    read_manifest_file,
)
from embeddings.index.idmap import AllowedPositions, PositionMap, as_id_array
from embeddings.index.kernels import inner_products_at
from embeddings.index.topk import empty_result, exact_topk, flat_topk
from embeddings.index.vectorstore import check_batch, check_queries

__all__ = ["BACKEND", "INDEX_KINDS", "FaissIndex", "set_num_threads"]

# The stubs bundled with faiss lag its Python API (SearchParametersHNSW, IDSelectorBitmap(array) ...).
faiss: Any = _faiss_stubbed

BACKEND = "faiss"  # name in manifests and in `embeddings.index.factory`
INDEX_KINDS = ("flat", "hnsw", "ivf")
_INDEX_FILE = "index.faiss"
_LABELS_FILE = "labels.npy"
_SMALL_ALLOWED = 2000  # at most this many allowed ids (or 2 %) → exact scoring, not a filtered ANN walk
_SMALL_FRACTION = 0.02
_NUMPY_MAX_QUERIES = 16  # flat: up to this many queries scan with numpy; larger batches use faiss BLAS
_TOMBSTONE_REBUILD = 0.3
_PARAM_NAMES = ("hnsw_m", "ef_construction", "ef_search", "ivf_nlist", "nprobe")


def set_num_threads(threads: int) -> None:
    """Set faiss's OpenMP threads for the whole process (1 is fastest for single queries)."""
    if threads < 1:
        raise ValueError(f"threads must be >= 1, got {threads}")
    faiss.omp_set_num_threads(threads)


class FaissIndex(VectorIndex):
    """Inner-product FAISS index over unit vectors.

    Args:
        dim: Vector dimension.
        encoder_id: Id of the encoder producing the vectors (checked on load).
        kind: ``"flat"`` (exact), ``"hnsw"`` (graph, fast approximate) or ``"ivf"`` (inverted lists,
            trained on the first :meth:`add`).
        hnsw_m: HNSW neighbours per node.
        ef_construction: HNSW build beam width.
        ef_search: Default HNSW search beam width.
        ivf_nlist: IVF list count (default from the first batch size).
        nprobe: Default IVF lists probed per query.
    """

    def __init__(
        self,
        dim: int,
        encoder_id: str,
        kind: str = "flat",
        *,
        hnsw_m: int = 32,
        ef_construction: int = 200,
        ef_search: int = 128,
        ivf_nlist: int | None = None,
        nprobe: int = 16,
    ) -> None:
        if kind not in INDEX_KINDS:
            raise ValueError(f"unknown index kind {kind!r}; options: {', '.join(INDEX_KINDS)}")
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        self.dim = int(dim)
        self.encoder_id = encoder_id
        self.kind = kind
        self.hnsw_m = hnsw_m
        self.ef_construction = ef_construction
        self.ef_search = ef_search
        self.ivf_nlist = ivf_nlist
        self.nprobe = nprobe
        self._map = PositionMap()
        self._index: Any = self._new_index() if kind != "ivf" else None
        self._live_bitmap: np.ndarray | None = None  # HNSW tombstone filter, rebuilt after changes

    def _new_index(self, training: np.ndarray | None = None) -> Any:
        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        if self.kind == "hnsw":
            index = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.ef_construction
            index.hnsw.efSearch = self.ef_search
            return index
        assert training is not None
        nlist = min(self.ivf_nlist or default_nlist(len(training)), len(training))
        self.ivf_nlist = nlist
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(self.dim), self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.train(training)
        index.set_direct_map_type(faiss.DirectMap.Hashtable)  # reconstruct and remove by id
        index.nprobe = self.nprobe
        return index

    def expect_size(self, count: int) -> None:
        """Size the IVF lists for ``count`` vectors when not trained or sized yet (no-op otherwise)."""
        if self.kind == "ivf" and self._index is None and self.ivf_nlist is None and count > 0:
            self.ivf_nlist = default_nlist(count)

    # ----- inspection -----
    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, bool) or not isinstance(item, int | np.integer):
            return False
        return bool(self._map.positions(np.array([item], dtype=np.int64))[0] >= 0)

    def ids(self) -> np.ndarray:
        return self._map.live_ids()

    def params(self) -> dict[str, Any]:
        """Constructor parameters (stored in the manifest)."""
        return {name: getattr(self, name) for name in _PARAM_NAMES}

    def _storage_view(self) -> np.ndarray:
        """Zero-copy ``(positions, dim)`` view of flat/HNSW storage; invalid after the next change."""
        storage = self._index if self.kind == "flat" else faiss.downcast_index(self._index.storage)
        count = storage.ntotal
        if count == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return faiss.rev_swig_ptr(storage.get_xb(), count * self.dim).reshape(count, self.dim)

    def _vectors_at(self, positions: np.ndarray) -> np.ndarray:
        if self.kind == "ivf":
            return np.asarray(self._index.reconstruct_batch(positions), dtype=np.float32)
        return self._storage_view()[positions]

    # ----- updates -----
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add or replace vectors.

        Args:
            ids: Int64 ids, unique, >= 0.
            vectors: Float32 ``(len(ids), dim)`` unit vectors.
        """
        self._check_writable()
        keys, array = check_batch(ids, vectors, self.dim)
        if keys.size == 0:
            return
        self.remove(keys)
        if self._index is None:  # IVF: train on the first batch
            self._index = self._new_index(training=array)
        positions = self._map.append(keys)
        if self.kind == "ivf":
            self._index.add_with_ids(array, positions)
        else:
            self._index.add(array)
        self._live_bitmap = None

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were present."""
        self._check_writable()
        positions = self._map.positions(as_id_array(ids))
        positions = np.unique(positions[positions >= 0])
        if positions.size == 0:
            return 0
        if self.kind == "flat":
            self._index.remove_ids(faiss.IDSelectorBatch(positions))
            self._map.delete(positions)  # flat storage compacts in order, so positions shift the same way
        elif self.kind == "ivf":
            self._index.remove_ids(faiss.IDSelectorArray(positions))  # hashtable direct map needs Array
            self._map.free(positions)
        else:
            self._map.free(positions)  # HNSW cannot delete: tombstone
            if self._map.capacity - len(self._map) > _TOMBSTONE_REBUILD * self._map.capacity:
                self._rebuild_hnsw()
        self._live_bitmap = None
        return int(positions.size)

    def _rebuild_hnsw(self) -> None:
        live = np.flatnonzero(self._map.labels >= 0)
        vectors = np.array(self._storage_view()[live])
        labels = self._map.labels[live]
        self._index = self._new_index()
        self._map = PositionMap(labels)
        if vectors.shape[0]:
            self._index.add(vectors)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        positions = self._map.known_positions(ids)
        if positions.size == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.ascontiguousarray(self._vectors_at(positions))

    def inner_products(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if self.kind == "ivf":  # the IVF lists hold no row-addressable floats
            return super().inner_products(query, ids)
        positions = self._map.known_positions(ids)
        return inner_products_at(self._storage_view(), query.reshape(1, -1), positions.reshape(1, -1))[0]

    # ----- search -----
    def search(
        self,
        queries: np.ndarray,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        ef_search: int | None = None,
        nprobe: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` by inner product; see :meth:`VectorIndex.search`.

        Args:
            queries: Float32 ``(n, dim)`` or one ``(dim,)`` vector.
            k: Results per query (>= 1).
            allowed: Ids that may be returned; small sets are scored exactly.
            ef_search: HNSW beam width for this call.
            nprobe: IVF lists probed for this call.
        """
        matrix = check_queries(queries, k, self.dim)
        n = matrix.shape[0]
        if n == 0 or len(self._map) == 0:
            return empty_result(n, k)
        chosen: AllowedPositions | None = None
        positions: np.ndarray | None = None
        if allowed is not None:
            chosen = self._map.allowed(allowed)
            positions = chosen.positions
            if positions.size == 0:
                return empty_result(n, k)
        if self.kind == "flat" and n <= _NUMPY_MAX_QUERIES:
            return flat_topk(matrix, self._storage_view(), self._map.labels, k, positions)
        if positions is not None and (
            positions.size <= max(_SMALL_ALLOWED, _SMALL_FRACTION * len(self._map))
        ):
            return exact_topk(matrix, self._vectors_at(positions), self._map.labels[positions], k)
        params = self._search_params(chosen, ef_search, nprobe)
        scores, found = self._index.search(matrix, k, params=params)
        ids = self._map.ids_at(found)
        return np.where(ids >= 0, scores, -np.inf).astype(np.float32), ids

    def _search_params(
        self, allowed: AllowedPositions | None, ef_search: int | None, nprobe: int | None
    ) -> Any:
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBitmap(allowed.bitmap)
        elif self.kind == "hnsw" and len(self._map) < self._map.capacity:
            if self._live_bitmap is None:
                self._live_bitmap = self._map.live_bitmap()
            selector = faiss.IDSelectorBitmap(self._live_bitmap)
        if self.kind == "hnsw":
            return faiss.SearchParametersHNSW(efSearch=ef_search or self.ef_search, sel=selector)
        if self.kind == "ivf":
            return faiss.SearchParametersIVF(nprobe=nprobe or self.nprobe, sel=selector)
        return None if selector is None else faiss.SearchParameters(sel=selector)

    # ----- persistence -----
    def write_files(self, directory: Path, checksum: str = "") -> IndexManifest:
        """Write ``index.faiss``, ``labels.npy`` and the manifest; see :meth:`VectorIndex.write_files`."""
        manifest = self._manifest(BACKEND, checksum)
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        if self._index is not None:
            faiss.write_index(self._index, str(target / _INDEX_FILE))
        np.save(target / _LABELS_FILE, self._map.labels)
        (target / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
        return manifest

    @classmethod
    def read_files(
        cls,
        directory: Path,
        expected_encoder_id: str | None = None,
        *,
        expected_dim: int | None = None,
        mmap: bool = False,
    ) -> Self:
        """Read an index written by :meth:`write_files`; see :meth:`VectorIndex.read_files`."""
        files = Path(directory)
        manifest = read_manifest_file(files)
        check_encoder(manifest, files, expected_encoder_id, expected_dim)
        known = {name: value for name, value in manifest.params.items() if name in _PARAM_NAMES}
        index = cls(manifest.dim, manifest.encoder_id, manifest.kind, **known)
        index._map = PositionMap(np.load(files / _LABELS_FILE))
        if (files / _INDEX_FILE).is_file():
            # IO_FLAG_MMAP_IFC maps the vector storage from the file: processes share the page cache
            flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
            index._index = faiss.read_index(str(files / _INDEX_FILE), flags)
        index.read_only = mmap
        stored = 0 if index._index is None else int(index._index.ntotal)
        expected = len(index._map) if manifest.kind == "ivf" else index._map.capacity
        if stored != expected or len(index._map) != manifest.count:
            raise ValueError(
                f"vector index at {files} is inconsistent: {stored} stored vectors, "
                f"{len(index._map)} ids, manifest count {manifest.count}"
            )
        return index

    def __repr__(self) -> str:
        return (
            f"FaissIndex(dim={self.dim}, encoder_id={self.encoder_id!r}, kind={self.kind!r}, "
            f"count={len(self)})"
        )
