"""Rankers over pair features, as scikit-learn estimators with JSON-serialisable parameters.

Both rankers follow scikit-learn's rules: ``__init__`` stores parameters, ``fit`` sets the state that
ends in ``_``, ``predict`` and ``contributions`` use that state and raise ``NotFittedError`` before
``fit``. Every serving path therefore holds a fitted ranker (`load_ranker`, `LinearRanker.fitted`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from embeddings.atomic import write_text_atomic
from matcher.ranking.features import FEATURE_NAMES


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

    Attributes:
        coef_: the weights in `FEATURE_NAMES` order, fixed by `fit` (what `predict` uses).
        n_features_in_: the feature width seen by `fit` (always ``len(FEATURE_NAMES)``).
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

    def fit(self, X: ArrayLike, y: object = None) -> LinearRanker:
        """Fix the coefficient vector ``coef_`` from the weight parameters.

        A linear ranker learns nothing from the rows themselves: ``X`` only proves the feature width
        (and, for a DataFrame, the column order), and ``y`` is ignored. `fitted` does this without data.

        Raises:
            ValueError: when ``X`` is empty, not finite, or not (n, len(FEATURE_NAMES)) wide.
        """
        check_feature_matrix(self, X)
        coefficients = np.array([getattr(self, name) for name in FEATURE_NAMES], dtype=np.float64)
        record_fitted_input(self, X)
        self.coef_ = coefficients
        return self

    def fitted(self) -> LinearRanker:
        """This ranker fitted on one all-zero row of the right width (only the width matters to `fit`)."""
        return self.fit(np.zeros((1, len(FEATURE_NAMES))))

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Scores of the feature rows (higher is better): ``X @ coef_``.

        Raises:
            NotFittedError: before `fit` (or `fitted`).
            ValueError: on rows of another width or with non-finite values.
        """
        return self._served_features(X) @ self.coef_

    def contributions(self, X: ArrayLike) -> np.ndarray:
        """Per-feature contribution (``coef_`` × value) of each row; rows sum to `predict`."""
        return self._served_features(X) * self.coef_

    def _served_features(self, X: ArrayLike) -> np.ndarray:
        check_is_fitted(self, "coef_")
        return served_feature_matrix(self, X)


def check_feature_matrix(estimator: BaseEstimator, X: ArrayLike) -> np.ndarray:
    """``X`` as a float64 feature matrix for `fit`, validated without changing the estimator.

    scikit-learn's checks come first (empty, sparse, complex, non-finite, 1-D input get its usual
    errors), then the ranking layer's fixed width and, for a DataFrame, its column names and order.

    Raises:
        ValueError: naming the shape or the columns that do not fit.
    """
    features = check_array(X, dtype=np.float64, estimator=estimator)
    if features.shape[1] != len(FEATURE_NAMES):
        raise ValueError(
            f"{type(estimator).__name__}: expected a (n, {len(FEATURE_NAMES)}) feature matrix "
            f"(columns {', '.join(FEATURE_NAMES)}), got shape {features.shape}"
        )
    columns = list(getattr(X, "columns", []))  # a DataFrame's column names
    if columns and all(isinstance(c, str) for c in columns) and columns != list(FEATURE_NAMES):
        raise ValueError(
            f"{type(estimator).__name__}: feature columns {columns} differ from "
            f"{list(FEATURE_NAMES)} (names and order must match)"
        )
    return features


def record_fitted_input(estimator: BaseEstimator, X: ArrayLike) -> None:
    """Set ``n_features_in_`` (and ``feature_names_in_`` for a DataFrame) once ``X`` is accepted."""
    validate_data(estimator, X, reset=True, skip_check_array=True)


def served_feature_matrix(estimator: BaseEstimator, X: ArrayLike) -> np.ndarray:
    """``X`` as float64 for a fitted estimator's predict, checked against what it was fitted on.

    The serving path's own matrices (a finite float ndarray of the fitted width, for an estimator
    fitted without column names) pass with two cheap checks; anything else gets scikit-learn's full
    validation and its errors.
    """
    if (
        isinstance(X, np.ndarray)
        and X.ndim == 2
        and X.dtype in (np.float32, np.float64)
        and X.shape[0] > 0
        and X.shape[1] == getattr(estimator, "n_features_in_", -1)
        and not hasattr(estimator, "feature_names_in_")
        and np.isfinite(X).all()
    ):
        return X.astype(np.float64, copy=False)
    features: np.ndarray = validate_data(estimator, X, reset=False, dtype=np.float64)
    return features


def save_params(estimator: BaseEstimator, path: Path) -> None:
    """Write an estimator's class and parameters as JSON (atomically)."""
    payload = {"class": type(estimator).__name__, "params": estimator.get_params()}
    write_text_atomic(path, json.dumps(payload, indent=2, ensure_ascii=False))


class Ranker(Protocol):
    """What the service needs from a *fitted* ranker: scores and per-feature contributions of rows."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores (higher is better)."""

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature contributions, same shape as ``X``."""

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters."""


def load_ranker(path: Path) -> Ranker:
    """Load a ranker from JSON: `LinearRanker` params (`save_params`) or a learned-ranker manifest.

    The file's ``class`` decides: ``LinearRanker`` → a fitted `LinearRanker` with those weights;
    ``LearnedRanker`` → the trained model next to the manifest (`matcher.ranking.learned.load_learned`).
    Either way the ranker returned is fitted, ready to `predict`.

    Raises:
        ValueError: if the file names another class or unknown parameters.
    """
    payload: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if payload.get("class") == "LearnedRanker":
        from matcher.ranking.learned import load_learned  # lazy: joblib and the trees load only when used

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
    return LinearRanker(**params).fitted()


def serving_ranker(ranker: Ranker | None, params: Path | None) -> Ranker:
    """The fitted ranker to serve: ``ranker`` if given, else the one in ``params``, else the defaults.

    Raises:
        NotFittedError: when ``ranker`` is an unfitted scikit-learn estimator (fail at start, not at
            the first query).
    """
    if ranker is not None:
        if isinstance(ranker, BaseEstimator):
            check_is_fitted(ranker)
        return ranker
    return load_ranker(params) if params else LinearRanker().fitted()
