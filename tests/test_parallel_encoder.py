"""Bulk embedding over worker processes gives the same vectors as in-process embedding."""

from __future__ import annotations

import numpy as np

from embeddings.encoders.base import Encoder
from embeddings.encoders.parallel import ParallelEncoder


def test_parallel_equals_in_process(use_encoder: Encoder) -> None:
    texts = [
        f"第{i}号专家研究锂电池正极材料与固态电解质" if i % 2 else f"expert {i} on wastewater"
        for i in range(300)
    ]
    parallel = ParallelEncoder(use_encoder, "use", workers=2, min_parallel=100, chunk_size=64)
    assert (parallel.id, parallel.dim) == (use_encoder.id, use_encoder.dim)
    got = parallel.encode_documents(texts)
    np.testing.assert_allclose(got, use_encoder.encode_documents(texts), atol=1e-5)
    small = parallel.encode_queries(texts[:5])  # below min_parallel: in-process
    np.testing.assert_allclose(small, got[:5], atol=1e-5)
