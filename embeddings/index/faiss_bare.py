"""A bare FAISS search over an index file, with none of the engine around it: the benchmark's floor.

`haizhi bench` times "encode the need with USE, then FAISS top-10" on the very index file the engine
serves (same vectors, same graph, same search parameters), so the ratio it prints is the cost of
everything the engine adds: analysis, BM25, fusion, item re-scoring, features, ranking and
explanations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faiss as _faiss_stubbed
import numpy as np

faiss: Any = _faiss_stubbed

INDEX_FILE = "index.faiss"  # as written by `embeddings.index.faiss_index.FaissIndex.write_files`


class BareFaissSearch:
    """Raw ``faiss.read_index`` + ``search`` of one saved index file.

    Args:
        index_file: an ``index.faiss`` file written by the engine.
        ef_search: HNSW beam width (the engine's setting), applied when the index is HNSW.
        nprobe: IVF lists probed (the engine's setting), applied when the index is IVF.
        threads: faiss OpenMP threads (1, as the engine serves single queries).
    """

    def __init__(self, index_file: Path, *, ef_search: int = 128, nprobe: int = 16, threads: int = 1) -> None:
        faiss.omp_set_num_threads(threads)
        self.index = faiss.read_index(str(index_file))
        hnsw = getattr(faiss.downcast_index(self.index), "hnsw", None)
        if hnsw is not None:
            hnsw.efSearch = ef_search
        ivf = faiss.try_extract_index_ivf(self.index)
        if ivf is not None:
            ivf.nprobe = nprobe

    def search(self, vector: np.ndarray, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, positions) of one query vector."""
        query = np.ascontiguousarray(vector.reshape(1, -1), dtype=np.float32)
        scores, positions = self.index.search(query, k)
        return scores[0], positions[0]
