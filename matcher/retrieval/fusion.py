"""Fusing dense and lexical evidence without burying a language.

BM25 only sees profiles written in the need's language (plus glossary concepts across languages), so
a raw lexical signal is zero for almost every other-language profile. Fusion therefore treats
other-language ("BM25-blind") candidates as *unobserved* by BM25, not as misses: their lexical value is
imputed from their dense score by quantile mapping onto the visible candidates' lexical values, raised
to their own glossary-concept score where they have one, so BM25 reorders same-language candidates
without pushing a whole language down.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from embeddings.text.normalize import language_family

FusionMethod = Literal["rrf", "weighted", "zscore"]
FUSION_METHODS: tuple[str, ...] = ("rrf", "weighted", "zscore")


def check_method(method: str) -> None:
    """Refuse a fusion method that is not one of `FUSION_METHODS` (no silent fallback to one).

    Raises:
        ValueError: naming the method and the allowed ones.
    """
    if method not in FUSION_METHODS:
        raise unknown_method(method)


def unknown_method(method: str) -> ValueError:
    """The error for a fusion method outside `FUSION_METHODS`."""
    return ValueError(f"unknown fusion {method!r} (use one of {', '.join(FUSION_METHODS)})")


def blind_mask(query_language: str, profile_languages: np.ndarray) -> np.ndarray:
    """Candidates whose profile language the need's BM25 cannot read (bilingual profiles never)."""
    languages, inverse = np.unique(np.asarray(profile_languages, dtype=str), return_inverse=True)
    return blind_mask_coded(query_language, inverse.reshape(-1), tuple(languages.tolist()))


def blind_mask_coded(query_language: str, codes: np.ndarray, languages: tuple[str, ...]) -> np.ndarray:
    """`blind_mask` of profiles given as codes into ``languages`` (`Corpus.language_codes`)."""
    if query_language == "bi" or not languages:
        return np.zeros(len(codes), dtype=bool)
    family = language_family(query_language)
    blind = np.array([lang != "bi" and language_family(lang) != family for lang in languages], dtype=bool)
    return blind[codes]


def normalise_visible(lexical: np.ndarray, blind: np.ndarray) -> np.ndarray:
    """BM25 divided by the best BM25 among the visible candidates (blind ones get 0)."""
    normalised = np.zeros(len(lexical), dtype=np.float32)
    visible = ~blind
    top = float(lexical[visible].max()) if visible.any() else 0.0
    if top > 0:
        normalised[visible] = lexical[visible] / top
    return normalised


def impute_blind(
    dense: np.ndarray, lexical_norm: np.ndarray, blind: np.ndarray, raw: np.ndarray | None = None
) -> np.ndarray:
    """Lexical values with the blind candidates' values imputed from their dense scores.

    A blind candidate whose dense score is at quantile q of the visible candidates' dense scores gets
    the visible lexical value at quantile q; with no visible candidate, the min-max scaled dense score.
    Glossary concepts are the part of BM25 that does read across languages: where ``raw`` (the raw
    lexical scores) shows concept hits on blind candidates, a blind candidate keeps the larger of its
    imputed value and its own score over the best blind one.
    """
    result = lexical_norm.astype(np.float32, copy=True)
    if not blind.any():
        return result
    visible = ~blind
    if visible.sum() >= 2:
        visible_dense = np.sort(dense[visible])
        quantile = np.searchsorted(visible_dense, dense[blind], side="right") / len(visible_dense)
        result[blind] = np.quantile(lexical_norm[visible], np.clip(quantile, 0.0, 1.0))
    else:
        span = float(dense.max() - dense.min()) or 1.0
        result[blind] = (dense[blind] - dense.min()) / span
    if raw is not None:
        own = raw[blind]
        top = float(own.max())
        if top > 0:
            result[blind] = np.maximum(result[blind], own / top)
    return result


def ranks_by(scores: np.ndarray, present: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """1-based rank of each present candidate by descending score (0 = absent).

    Equal scores are ordered by descending ``tiebreak`` (e.g. an imputed lexical value that equals a
    visible one is ordered by meaning), then by position.
    """
    ranks = np.zeros(len(scores), dtype=np.int64)
    positions = np.flatnonzero(present)
    second = np.zeros(len(positions)) if tiebreak is None else -tiebreak[positions]
    order = positions[np.lexsort((second, -scores[positions]))]
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def rrf(ranks: list[np.ndarray], weights: list[float], k: int) -> np.ndarray:
    """Weighted reciprocal rank fusion; rank 0 (absent) contributes nothing."""
    fused = np.zeros(len(ranks[0]), dtype=np.float64)
    for rank, weight in zip(ranks, weights, strict=True):
        present = rank > 0
        fused[present] += weight / (k + rank[present])
    return fused


def zscore(values: np.ndarray) -> np.ndarray:
    """Standard scores (all zero when the values do not vary)."""
    std = float(values.std())
    return (values - values.mean()) / std if std > 0 else np.zeros(len(values), dtype=np.float64)


def minmax(values: np.ndarray) -> np.ndarray:
    """Values scaled to [0, 1] (all zero when they do not vary)."""
    span = float(values.max() - values.min()) if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros(len(values), dtype=np.float64)
