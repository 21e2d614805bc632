"""The encoder protocol and helpers shared by all encoders.

An encoder turns texts into L2-normalised float32 vectors. Queries and documents have separate entry
points because asymmetric models (e.g. e5, bge) prefix them differently; symmetric models such as USE
use the same path for both.

Encoders read a bounded number of tokens (sentence-transformers models stop at ``max_seq_length``; USE
reads everything, at a cost linear in its length, so it gets a budget of its own): `truncate_to_tokens`
cuts a text to that budget before any tokeniser or model sees the rest, in one place for every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

import numpy as np

__all__ = ["Encoder", "check_texts", "encode_in_batches", "l2_normalise", "truncate_to_tokens"]

# Tokens kept beyond the budget: only the last, cut word of a prefix may tokenise differently.
CUT_MARGIN_TOKENS = 16
# Most a prefix grows between two token counts (bounds how far one guess can overshoot).
_MAX_GROWTH = 4.0


@runtime_checkable
class Encoder(Protocol):
    """Anything that embeds texts into a fixed-size, L2-normalised vector space."""

    @property
    def id(self) -> str:
        """Stable identity of model and version, e.g. ``"use-multilingual-v3"``; keys caches and indexes."""
        ...

    @property
    def dim(self) -> int:
        """Dimension of the vectors."""
        ...

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed search queries; returns float32 ``(len(texts), dim)``, C-contiguous, rows of norm 1."""
        ...

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents; returns float32 ``(len(texts), dim)``, C-contiguous, rows of norm 1."""
        ...


class EncoderWrapper:
    """Base of encoders that run another encoder elsewhere (worker processes, a cluster).

    The vectors are the wrapped encoder's, so ``id`` and ``dim`` are its own; a subclass sets
    ``self.encoder`` and implements ``close`` (stop its workers) and the two encode calls.
    """

    encoder: Encoder

    @property
    def id(self) -> str:
        """The wrapped encoder's id (the vectors are the same)."""
        return self.encoder.id

    @property
    def dim(self) -> int:
        """The wrapped encoder's dimension."""
        return self.encoder.dim

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop whatever runs the wrapped encoder (the next input may start it again)."""


def check_texts(texts: Sequence[str], where: str) -> list[str]:
    """Validate an encoder input and return it as a list.

    Args:
        texts: The texts to embed.
        where: Name of the caller, used in error messages.

    Returns:
        The texts as a list.

    Raises:
        TypeError: If ``texts`` is a single string or contains something that is not a string.
    """
    if isinstance(texts, str | bytes):
        # A bare str is a Sequence[str] of characters: almost always a caller bug.
        raise TypeError(f"{where}: texts must be a sequence of strings, not a single {type(texts).__name__}")
    items = list(texts)
    for position, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"{where}: texts[{position}] is {type(text).__name__}, expected str")
    return items


def truncate_to_tokens(
    text: str, max_tokens: int, count_tokens: Callable[[str], int], *, chars_per_token: float = 1.0
) -> str:
    """A prefix of ``text`` that still holds its first ``max_tokens`` tokens (the whole text when shorter).

    The prefix starts at ``max_tokens * chars_per_token`` characters and grows in proportion to the
    tokens found until it holds ``max_tokens`` plus `CUT_MARGIN_TOKENS`, so what a model reads within
    ``max_tokens`` is never cut, and a 300k-character text costs a few short token counts instead of
    a full tokenisation.

    Args:
        text: The text to embed.
        max_tokens: Tokens the model reads (special tokens not counted, which keeps the cut safe).
        count_tokens: The model's own token count of a text.
        chars_per_token: The fewest characters a token usually covers: texts of up to
            ``(max_tokens + CUT_MARGIN_TOKENS) * chars_per_token`` characters are returned uncounted.

    Returns:
        ``text`` itself or a prefix of it.
    """
    if max_tokens < 1:
        raise ValueError(f"max_tokens must be >= 1, got {max_tokens}")
    needed = max_tokens + CUT_MARGIN_TOKENS
    cut = max(needed, int(needed * chars_per_token))
    while cut < len(text):
        found = count_tokens(text[:cut])
        if found >= needed:
            return text[:cut]
        growth = min(_MAX_GROWTH, 1.1 * needed / max(found, 1))  # aim a tenth past the budget
        cut = int(cut * growth) + 1
    return text


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Return float32 C-contiguous rows scaled to unit L2 norm (all-zero rows stay zero).

    Args:
        vectors: Array of shape ``(n, dim)``.

    Returns:
        A new or reused float32 array of the same shape.
    """
    out = np.ascontiguousarray(vectors, dtype=np.float32)
    if out.ndim != 2:
        raise ValueError(f"expected a 2-D array of vectors, got shape {out.shape}")
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    norms[norms == 0.0] = 1.0
    return np.ascontiguousarray(out / norms, dtype=np.float32)


def encode_in_batches(
    encode_batch: Callable[[list[str]], np.ndarray],
    texts: list[str],
    *,
    dim: int,
    batch_size: int,
    show_progress: bool,
    description: str,
) -> np.ndarray:
    """Run ``encode_batch`` over ``texts`` in batches, then L2-normalise.

    A single batch (the online query case) is encoded with no extra overhead.

    Args:
        encode_batch: Function embedding a list of texts into ``(len, dim)``.
        texts: Validated texts.
        dim: Output dimension, used for empty input.
        batch_size: Texts per call of ``encode_batch``.
        show_progress: Show a tqdm progress bar.
        description: Label of the progress bar.

    Returns:
        Float32 ``(len(texts), dim)`` C-contiguous array of unit vectors.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    if len(texts) <= batch_size and not show_progress:
        return l2_normalise(encode_batch(texts))
    starts = range(0, len(texts), batch_size)
    if show_progress:
        from tqdm.auto import tqdm  # imported only when a bar is wanted

        progress = tqdm(total=len(texts), desc=description, unit="text")
    out = np.empty((len(texts), dim), dtype=np.float32)
    try:
        for start in starts:
            batch = texts[start : start + batch_size]
            out[start : start + len(batch)] = encode_batch(batch)
            if show_progress:
                progress.update(len(batch))
    finally:
        if show_progress:
            progress.close()
    return l2_normalise(out)
