"""Generated document vectors for pools too large to embed here (1M experts), with real query vectors.

Embedding a million generated profiles and their publications with USE would take hours on two
cores, so the million-expert benchmarks give documents *generated* unit vectors and queries *real*
USE vectors. The generated vectors are shaped like real ones rather than uniform on the sphere (where
every neighbour is equally far and ANN indexes behave unlike on text): each document vector is a
mixture of two "topic" centres — real USE vectors of the bundled demo's profile and need texts — plus
Gaussian noise, normalised. A text always gets the same vector (seeded by its hash), so items shared
by experts share a vector and the embedding cache works as usual.

Reports say which figures come from generated vectors; their rankings mean nothing, only the speed
and memory of the engine on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from embeddings.encoders.base import Encoder, check_texts, l2_normalise

MAIN_TOPIC_SHARE = 0.7  # weight of the first centre; the second gets the rest
NOISE_SCALE = 0.45  # noise norm relative to the unit centre: cosine to the centre ≈ 0.85–0.9


class GeneratedDocumentEncoder:
    """Real query vectors from ``encoder``; documents get seeded clustered vectors (see module doc).

    Args:
        encoder: the real encoder (USE) used for queries and for the topic centres.
        centre_texts: texts whose real vectors are the topic centres (a few hundred).
    """

    def __init__(self, encoder: Encoder, centre_texts: Sequence[str]) -> None:
        if not centre_texts:
            raise ValueError("GeneratedDocumentEncoder needs at least one centre text")
        self.encoder = encoder
        self.centres = encoder.encode_documents(list(centre_texts))

    @property
    def id(self) -> str:
        """Distinct from the real encoder's id, so generated vectors never enter its cache entries."""
        return f"generated-from-{self.encoder.id}"

    @property
    def dim(self) -> int:
        """The real encoder's dimension."""
        return self.encoder.dim

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Real vectors of the queries (needs are encoded as in production)."""
        return self.encoder.encode_queries(texts, batch_size=batch_size, show_progress=show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Seeded clustered unit vectors, one per text (the same text always gets the same vector)."""
        items = check_texts(texts, "GeneratedDocumentEncoder")
        out = np.empty((len(items), self.dim), dtype=np.float32)
        count = len(self.centres)
        for row, text in enumerate(items):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            rng = np.random.default_rng(seed)
            first, second = rng.integers(count, size=2)
            noise = rng.standard_normal(self.dim) * (NOISE_SCALE / np.sqrt(self.dim))
            mixed = MAIN_TOPIC_SHARE * self.centres[first] + (1 - MAIN_TOPIC_SHARE) * self.centres[second]
            out[row] = mixed + noise
        return l2_normalise(out)
