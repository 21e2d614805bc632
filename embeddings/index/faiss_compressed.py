"""Compressed FAISS index (kind ``ivfpq``): IVF-PQ codes for a shortlist, exact re-scoring from disk.

A million 512-d float vectors take 2 GB; their product-quantised codes (``pq_m`` bytes each, by
default ``dim / 8``) take 64 MB. The index searches the codes (inverted lists, ``nprobe`` of them per
query) for a ``shortlist`` of candidates, then scores those exactly against the full float32 vectors
in a memory-mapped `embeddings.index.vectorstore.VectorStore`: recall close to an exact scan, with
only the codes, the coarse centroids and the id map in anonymous memory.

Below ``min_train`` vectors there is nothing worth training on: the index scans the float store
exactly (as ``flat`` does) and trains when an :meth:`add` brings it to ``min_train`` (and drops the
codes again when removals take it below). Removed positions are deleted from the inverted lists and
tombstoned in the store; the store is compacted when a third of it is dead. Ids, replacement on add,
the ``allowed`` filter and persistence follow `embeddings.index.faiss_index.FaissIndex`.

Searching while another thread mutates the same index is not safe: build a new index and swap it in.
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
from embeddings.index.faiss_index import set_num_threads
from embeddings.index.idmap import AllowedPositions, PositionMap, as_id_array
from embeddings.index.topk import empty_result, flat_topk
from embeddings.index.vectorstore import VectorStore, check_batch, check_queries

__all__ = ["BACKEND", "INDEX_KINDS", "CompressedFaissIndex", "set_num_threads"]

faiss: Any = _faiss_stubbed  # the bundled stubs lag the Python API (SearchParametersIVF ...)

BACKEND = "faiss-compressed"
INDEX_KINDS = ("ivfpq",)
_INDEX_FILE = "index.faiss"
_LABELS_FILE = "labels.npy"
_VECTORS_FILE = "vectors.npy"
_SMALL_ALLOWED = 2000  # at most this many allowed ids (or 2 %) → exact scoring from the store
_SMALL_FRACTION = 0.02
_TOMBSTONE_COMPACT = 0.3
_TRAIN_PER_LIST = 40  # k-means sample per inverted list (faiss asks for >= 39)
_KMEANS_ITERATIONS = 10  # coarse lists need not be optimal: the exact re-scoring repairs the rest
_PARAM_NAMES = ("pq_m", "nbits", "ivf_nlist", "nprobe", "shortlist", "min_train")


def _check_params(
    kind: str, dim: int, pq_m: int, nbits: int, nprobe: int, shortlist: int, min_train: int
) -> None:
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; options: {', '.join(INDEX_KINDS)}")
    if dim < 1 or pq_m < 1 or dim % pq_m:
        raise ValueError(f"dim must be >= 1 and pq_m must divide it, got dim {dim}, pq_m {pq_m}")
    if not 1 <= nbits <= 16:
        raise ValueError(f"nbits must be in 1..16, got {nbits}")
    if nprobe < 1 or shortlist < 1:
        raise ValueError(f"nprobe and shortlist must be >= 1, got {nprobe} and {shortlist}")
    if min_train < 2**nbits:
        raise ValueError(f"min_train must be >= 2**nbits = {2**nbits} (PQ k-means), got {min_train}")


class CompressedFaissIndex(VectorIndex):
    """IVF-PQ shortlist + exact re-scoring over unit vectors, inner product.

    Args:
        dim: Vector dimension.
        encoder_id: Id of the encoder producing the vectors (checked on load).
        kind: ``"ivfpq"``.
        pq_m: PQ sub-quantisers = bytes per code (default ``dim // 8``; must divide ``dim``).
        nbits: Bits per sub-quantiser code.
        ivf_nlist: Inverted lists (default from the count at training, as for ``ivf``).
        nprobe: Default lists probed per query.
        shortlist: Default candidates re-scored exactly per query (at least ``k``).
        min_train: Vectors needed before codes are trained; below it the search is exact.
    """

    def __init__(
        self,
        dim: int,
        encoder_id: str,
        kind: str = "ivfpq",
        *,
        pq_m: int | None = None,
        nbits: int = 8,
        ivf_nlist: int | None = None,
        nprobe: int = 32,
        shortlist: int = 512,
        min_train: int = 10_000,
    ) -> None:
        self.pq_m = int(pq_m) if pq_m is not None else max(1, dim // 8)
        _check_params(kind, dim, self.pq_m, nbits, nprobe, shortlist, min_train)
        self.dim = int(dim)
        self.encoder_id = encoder_id
        self.kind = kind
        self.nbits = int(nbits)
        self.ivf_nlist = ivf_nlist
        self.nprobe = int(nprobe)
        self.shortlist = int(shortlist)
        self.min_train = int(min_train)
        self._map = PositionMap()
        self._store = VectorStore(self.dim)
        self._codes: Any = None  # trained faiss IndexIVFPQ over store positions, or None (exact)

    # ----- inspection -----
    def __len__(self) -> int:
        return len(self._map)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, bool) or not isinstance(item, int | np.integer):
            return False
        return bool(self._map.positions(np.array([item], dtype=np.int64))[0] >= 0)

    def ids(self) -> np.ndarray:
        return self._map.live_ids()

    @property
    def trained(self) -> bool:
        """Whether searches go through the PQ codes (False: exact scan of the store)."""
        return self._codes is not None

    def params(self) -> dict[str, Any]:
        """Constructor parameters (stored in the manifest)."""
        return {name: getattr(self, name) for name in _PARAM_NAMES}

    def _live_positions(self) -> np.ndarray:
        return np.flatnonzero(self._map.labels >= 0)

    # ----- updates -----
    def expect_size(self, count: int) -> None:
        """Size the IVF lists for ``count`` vectors when not trained or sized yet (no-op otherwise)."""
        if self._codes is None and self.ivf_nlist is None and count > 0:
            self.ivf_nlist = default_nlist(count)

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
        self._remove(keys, untrain=False)  # replaced ids: keep the codes, the count does not drop
        positions = self._map.append(keys)
        self._store.append(array)
        if self._codes is not None:
            self._codes.add_with_ids(array, positions)
        elif len(self._map) >= self.min_train:
            self._train()

    def _train(self) -> None:
        """Train coarse lists and PQ on a sample of the live vectors, then encode them all."""
        live = self._live_positions()
        nlist = min(self.ivf_nlist or default_nlist(live.size), live.size)
        self.ivf_nlist = nlist
        sample_size = min(live.size, max(_TRAIN_PER_LIST * nlist, 64 * 2**self.nbits))
        sample = np.sort(np.random.default_rng(0).choice(live, size=sample_size, replace=False))
        quantizer = faiss.IndexFlatIP(self.dim)
        codes = faiss.IndexIVFPQ(
            quantizer, self.dim, nlist, self.pq_m, self.nbits, faiss.METRIC_INNER_PRODUCT
        )
        codes.cp.niter = _KMEANS_ITERATIONS
        codes.train(self._store.rows(sample))
        codes.nprobe = self.nprobe
        self._codes = codes  # faiss's Python wrapper keeps the quantizer alive with it
        self._encode_all(live)

    def _encode_all(self, positions: np.ndarray, block: int = 100_000) -> None:
        for start in range(0, positions.size, block):
            chunk = positions[start : start + block]
            self._codes.add_with_ids(self._store.rows(chunk), chunk)

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were present."""
        self._check_writable()
        return self._remove(as_id_array(ids), untrain=True)

    def _remove(self, keys: np.ndarray, *, untrain: bool) -> int:
        positions = self._map.positions(keys)
        positions = np.unique(positions[positions >= 0])
        if positions.size == 0:
            return 0
        self._map.free(positions)
        if self._codes is not None:
            self._codes.remove_ids(faiss.IDSelectorBatch(positions))
            if untrain and len(self._map) < self.min_train:  # as a fresh build of what is left: exact
                self._codes = None
        if self._map.capacity - len(self._map) > _TOMBSTONE_COMPACT * self._map.capacity:
            self._compact()
        return int(positions.size)

    def _compact(self) -> None:
        live = self._live_positions()
        self._store.compact(live)
        self._map = PositionMap(self._map.labels[live])
        if self._codes is not None:
            self._codes.reset()  # keeps the trained lists and PQ; only the codes are re-added
            self._encode_all(np.arange(live.size, dtype=np.int64))

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        return self._store.rows(self._map.known_positions(ids))

    def inner_products(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        positions = self._map.known_positions(ids)
        return self._store.inner_products(query.reshape(1, -1), positions.reshape(1, -1))[0]

    # ----- search -----
    def search(
        self,
        queries: np.ndarray,
        k: int,
        *,
        allowed: np.ndarray | None = None,
        nprobe: int | None = None,
        shortlist: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` by inner product; see :meth:`VectorIndex.search`.

        Args:
            queries: Float32 ``(n, dim)`` or one ``(dim,)`` vector.
            k: Results per query (>= 1).
            allowed: Ids that may be returned; small sets are scored exactly.
            nprobe: Lists probed for this call.
            shortlist: Candidates re-scored exactly for this call.
        """
        matrix = check_queries(queries, k, self.dim)
        n = matrix.shape[0]
        if n == 0 or len(self._map) == 0:
            return empty_result(n, k)
        positions: np.ndarray | None = None
        chosen: AllowedPositions | None = None
        if allowed is not None:
            chosen = self._map.allowed(allowed)
            positions = chosen.positions
            if positions.size == 0:
                return empty_result(n, k)
        small = positions is not None and positions.size <= max(_SMALL_ALLOWED, _SMALL_FRACTION * len(self))
        if self._codes is None or small:
            if positions is None and len(self._map) < self._map.capacity:
                positions = self._live_positions()  # skip tombstones
            return flat_topk(matrix, self._store.view(), self._map.labels, k, positions)
        selector = None if chosen is None else faiss.IDSelectorBitmap(chosen.bitmap)
        params = faiss.SearchParametersIVF(nprobe=nprobe or self.nprobe, sel=selector)
        _, candidates = self._codes.search(matrix, max(k, shortlist or self.shortlist), params=params)
        return self._store.rescore(matrix, candidates, self._map.labels, k)

    # ----- persistence -----
    def write_files(self, directory: Path, checksum: str = "") -> IndexManifest:
        """Write ``index.faiss`` (once trained), ``labels.npy``, ``vectors.npy`` and the manifest."""
        manifest = self._manifest(BACKEND, checksum)
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        if self._codes is not None:
            faiss.write_index(self._codes, str(target / _INDEX_FILE))
        np.save(target / _LABELS_FILE, self._map.labels)
        self._store.write(target / _VECTORS_FILE)
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
        """Read an index written by :meth:`write_files`; see :meth:`VectorIndex.read_files`.

        The float vectors are always mapped (a write copies them into memory first); ``mmap`` also
        maps the inverted lists (``IO_FLAG_MMAP_IFC``) and makes the index read-only.
        """
        files = Path(directory)
        manifest = read_manifest_file(files)
        check_encoder(manifest, files, expected_encoder_id, expected_dim)
        known = {name: value for name, value in manifest.params.items() if name in _PARAM_NAMES}
        index = cls(manifest.dim, manifest.encoder_id, manifest.kind, **known)
        index._map = PositionMap(np.load(files / _LABELS_FILE, allow_pickle=False))
        index._store = VectorStore.open(files / _VECTORS_FILE, manifest.dim)
        if (files / _INDEX_FILE).is_file():
            flags = faiss.IO_FLAG_MMAP_IFC if mmap else 0
            index._codes = faiss.read_index(str(files / _INDEX_FILE), flags)
        index.read_only = mmap
        coded = len(index._map) if index._codes is None else int(index._codes.ntotal)
        if (
            len(index._store) != index._map.capacity
            or coded != len(index._map)
            or len(index._map) != manifest.count
        ):
            raise ValueError(
                f"vector index at {files} is inconsistent: {len(index._store)} stored vectors, "
                f"{coded} codes, {len(index._map)} ids, manifest count {manifest.count}"
            )
        return index

    def __repr__(self) -> str:
        return (
            f"CompressedFaissIndex(dim={self.dim}, encoder_id={self.encoder_id!r}, kind={self.kind!r}, "
            f"count={len(self)}, trained={self.trained})"
        )
