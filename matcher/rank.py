"""Rankers over pair features, as scikit-learn estimators with JSON-serialisable parameters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.base import BaseEstimator

from embeddings.atomic import write_text_atomic
from matcher.features import FEATURE_NAMES


class LinearRanker(BaseEstimator):
    """A transparent weighted sum of pair features; each weight is a parameter.

    The default weights were fitted on the public quality suite with demand-grouped cross-validation
    (`haizhi fit-ranker`, docs/quality.md), under the constraint that the bundled demo does not fall
    below its earlier figure. Evidence from an expert's publications leads (the closest one and the
    decayed sum of the close ones, in meaning and in keywords); shared glossary concepts carry across
    languages; catalogue fit and cooperation mode break ties; busy experts are gently pushed down so one
    popular expert is not proposed for everything.

    Args:
        hybrid: weight of the fused retrieval score, min-max scaled over the need's candidates (1 = the
            best fused candidate): the ranker starts from the fusion order and refines it.
        dense: weight of the dense score (profile and publication cosines mixed as retrieval mixes them).
        profile_similarity: weight of the whole-profile cosine.
        best_work_similarity: weight of the best single publication's cosine.
        works_similarity: weight of the decayed sum of the expert's closest publications' cosines.
        lexical: weight of the normalised profile BM25 score (imputed for other-language profiles).
        works_lexical: weight of the normalised decayed per-publication BM25 (imputed likewise).
        concept_overlap: weight of the share of the demand's glossary concepts the profile covers.
        field_match: weight of the share of the demand's catalogue fields the expert shares.
        industry_match: weight of sharing an industry.
        cooperation_match: weight of a compatible cooperation mode.
        language_fit: weight of the expert working in the demand's language.
        freshness: weight of a recently updated profile.
        load: weight of current open engagements (negative: busy experts rank lower).
    """

    def __init__(
        self,
        hybrid: float = 1.0,
        dense: float = 0.02,
        profile_similarity: float = 0.0,
        best_work_similarity: float = 0.0,
        works_similarity: float = 0.0,
        lexical: float = 0.02,
        works_lexical: float = 0.3,
        concept_overlap: float = 0.15,
        field_match: float = 0.02,
        industry_match: float = 0.0,
        cooperation_match: float = 0.15,
        language_fit: float = 0.0,
        freshness: float = 0.04,
        load: float = -0.05,
    ) -> None:
        self.hybrid = hybrid
        self.dense = dense
        self.profile_similarity = profile_similarity
        self.best_work_similarity = best_work_similarity
        self.works_similarity = works_similarity
        self.works_lexical = works_lexical
        self.lexical = lexical
        self.concept_overlap = concept_overlap
        self.field_match = field_match
        self.industry_match = industry_match
        self.cooperation_match = cooperation_match
        self.language_fit = language_fit
        self.freshness = freshness
        self.load = load

    def fit(self, X: np.ndarray, y: object = None, groups: object = None) -> LinearRanker:
        """Fix the coefficient vector from the parameters (a linear ranker learns nothing itself)."""
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != len(FEATURE_NAMES):
            raise ValueError(f"expected a (n, {len(FEATURE_NAMES)}) feature matrix, got shape {X.shape}")
        self.coef_ = self._coefficients()
        self.n_features_in_ = X.shape[1]
        self.feature_names_in_ = np.array(FEATURE_NAMES, dtype=object)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores of the feature rows (higher is better)."""
        return np.asarray(X, dtype=np.float64) @ self._coefficients()

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature contribution (weight × value) of each row; rows sum to `predict`."""
        return np.asarray(X, dtype=np.float64) * self._coefficients()

    def _coefficients(self) -> np.ndarray:
        return np.array([getattr(self, name) for name in FEATURE_NAMES], dtype=np.float64)


def save_params(estimator: BaseEstimator, path: Path) -> None:
    """Write an estimator's class and parameters as JSON (atomically)."""
    payload = {"class": type(estimator).__name__, "params": estimator.get_params()}
    write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False))


class Ranker(Protocol):
    """What the service needs from a ranker: scores and per-feature contributions of feature rows."""

    def fit(self, X: np.ndarray, y: Any = None, groups: Any = None) -> Any:
        """Prepare (or check) the ranker for feature rows of this width."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores (higher is better)."""

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature contributions, same shape as ``X``."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters."""


def load_ranker(path: Path) -> Ranker:
    """Load a ranker from JSON: `LinearRanker` params (`save_params`) or a learned-ranker manifest.

    The file's ``class`` decides: ``LinearRanker`` → a `LinearRanker` with those weights;
    ``LearnedRanker`` → the trained model next to the manifest (`matcher.learned.load_learned`).

    Raises:
        ValueError: if the file names another class or unknown parameters.
    """
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("class") == "LearnedRanker":
        from matcher.learned import load_learned  # lazy: joblib and the trees load only when used

        return load_learned(path, payload)
    if payload.get("class") != LinearRanker.__name__:
        raise ValueError(
            f"{path}: expected LinearRanker params or a LearnedRanker manifest, "
            f"found class {payload.get('class')!r}"
        )
    params = payload.get("params", {})
    unknown = set(params) - set(LinearRanker().get_params())
    if unknown:
        raise ValueError(f"{path}: unknown LinearRanker parameters {sorted(unknown)}")
    return LinearRanker(**params)
