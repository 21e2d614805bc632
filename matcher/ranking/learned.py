"""A learned ranker (scikit-learn) over pair features, trained from graded labels or lifecycle outcomes.

Pointwise: a gradient-boosted regressor (default) predicts the grade of a pair (signed 3 > negotiating 2
> contacted 1 > recommended / declined 0), or a logistic regression predicts the probability that a pair
is relevant (grade ≥ ``relevant_grade``). Monotonic constraints keep the trees sensible on little data:
more similarity, shared terms, fields, industry, mode and language fit never lower the score, and a
higher load never raises it.

Contributions (for explanations): for the logistic model, coefficient × standardised value — exact, rows
sum to the score minus the intercept. For trees (no SHAP dependency), the *occlusion* delta
``f(x) − f(x with feature j set to the training mean)``: how much this feature's value moved the score
relative to a typical candidate. Occlusion deltas do not sum to the score; they rank the reasons.

Saved as ``model.joblib`` + a JSON manifest (class, params, features, checksum, data range, metrics);
`matcher.ranking.rankers.load_ranker` reads either a manifest or LinearRanker params, so
``Settings.ranker_params`` may point at either.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import joblib
import numpy as np
import sklearn
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Tags
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d

from embeddings.atomic import atomic_path, write_text_atomic
from matcher.ranking.features import FEATURE_NAMES
from matcher.ranking.rankers import check_feature_matrix, record_fitted_input, served_feature_matrix

MONOTONIC = {"freshness": 0, "load": -1}
"""Monotonic constraint per feature for the tree model (+1 unless listed)."""
MODEL_FILE = "model.joblib"
MODELS: tuple[str, ...] = ("hgb", "logistic")


class LearnedRanker(BaseEstimator):
    """Scores pairs with a model fitted on labelled pairs.

    Args:
        model: ``hgb`` (HistGradientBoostingRegressor on grades) or ``logistic`` (relevant or not).
        max_iter: boosting iterations.
        learning_rate: boosting learning rate.
        max_leaf_nodes: leaves per tree.
        min_samples_leaf: minimum pairs per leaf.
        l2_regularization: tree L2 penalty.
        monotonic: apply `MONOTONIC` constraints to the trees.
        C: inverse regularisation of the logistic model.
        relevant_grade: grade from which a pair is a positive for the logistic model.
        random_state: seed.

    Attributes:
        estimator_: the fitted scikit-learn model (a regressor, or scaler + logistic pipeline).
        baseline_: the mean training row (the occlusion reference of `contributions`).
        n_features_in_: the feature width seen by `fit` (always ``len(FEATURE_NAMES)``).
    """

    def __init__(
        self,
        model: Literal["hgb", "logistic"] = "hgb",
        max_iter: int = 150,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 1.0,
        monotonic: bool = True,
        C: float = 1.0,
        relevant_grade: int = 2,
        random_state: int = 0,
    ) -> None:
        self.model = model
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.monotonic = monotonic
        self.C = C
        self.relevant_grade = relevant_grade
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        """scikit-learn tags: labels are required (`fit` refuses ``y=None``)."""
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> LearnedRanker:
        """Fit on pair features and grades; a refit replaces the previous model.

        Raises:
            ValueError: without labels (``y`` is required), on an unknown ``model``, a wrong feature
                width, as many labels as rows not given, or logistic labels of only one class. A
                refused fit leaves the ranker as it was.
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None: "
                "fit needs labels (grades), one per feature row"
            )
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; use one of {', '.join(MODELS)}")
        features = check_feature_matrix(self, X)
        grades = column_or_1d(check_array(y, ensure_2d=False, dtype=np.float64), warn=True)
        if len(grades) != len(features):
            raise ValueError(f"got {len(features)} feature rows but {len(grades)} labels")
        estimator = self._fitted_model(features, grades)
        record_fitted_input(self, X)
        self.baseline_ = features.mean(axis=0)
        self.estimator_ = estimator
        return self

    def _fitted_model(self, X: np.ndarray, y: np.ndarray) -> Any:
        """The underlying scikit-learn model of ``self.model``, fitted on ``X`` and ``y``."""
        if self.model == "logistic":
            target = (y >= self.relevant_grade).astype(int)
            if len(set(target.tolist())) < 2:
                raise ValueError(
                    f"logistic ranker: labels have no pair on both sides of grade {self.relevant_grade}"
                )
            return make_pipeline(StandardScaler(), LogisticRegression(C=self.C, max_iter=1000)).fit(X, target)
        constraints = [MONOTONIC.get(n, 1) for n in FEATURE_NAMES] if self.monotonic else None
        return HistGradientBoostingRegressor(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            monotonic_cst=constraints,
            random_state=self.random_state,
        ).fit(X, y)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """Scores of the feature rows (higher is better).

        Raises:
            NotFittedError: before `fit`.
        """
        return self._score(self._served_features(X))

    def contributions(self, X: ArrayLike) -> np.ndarray:
        """Per-feature contribution of each row (see the module docstring for the definition)."""
        features = self._served_features(X)
        if isinstance(self.estimator_, Pipeline):
            scaler, logistic = self.estimator_[0], self.estimator_[-1]
            return np.asarray(scaler.transform(features) * logistic.coef_[0], dtype=np.float64)
        n, f = features.shape
        occluded = np.repeat(features[np.newaxis], f, axis=0)  # (f, n, f): copy j has feature j at baseline
        for j in range(f):
            occluded[j, :, j] = self.baseline_[j]
        base = self._score(features)
        others = self._score(occluded.reshape(f * n, f)).reshape(f, n)
        return (base[np.newaxis] - others).T

    def feature_importance(self) -> dict[str, float]:
        """Mean absolute contribution per feature over the training baseline's neighbourhood (for reports)."""
        check_is_fitted(self, ("estimator_", "baseline_"))
        probe = np.vstack(
            [self.baseline_, np.clip(self.baseline_ + 0.25, 0, 1), np.clip(self.baseline_ - 0.25, 0, 1)]
        )
        mean = np.abs(self.contributions(probe)).mean(axis=0)
        return {n: round(float(v), 4) for n, v in zip(FEATURE_NAMES, mean, strict=True)}

    def _served_features(self, X: ArrayLike) -> np.ndarray:
        check_is_fitted(self, ("estimator_", "baseline_"))
        return served_feature_matrix(self, X)

    def _score(self, features: np.ndarray) -> np.ndarray:
        """Model scores of already validated rows (the logistic model's decision function)."""
        if isinstance(self.estimator_, Pipeline):
            return np.asarray(self.estimator_.decision_function(features), dtype=np.float64)
        return np.asarray(self.estimator_.predict(features), dtype=np.float64)


def save_learned(ranker: LearnedRanker, directory: Path, *, info: dict[str, Any] | None = None) -> Path:
    """Write ``model.joblib`` and ``ranker.json`` (manifest) into ``directory``; return the manifest path.

    ``info`` (data range, metrics, comparison …) is stored in the manifest as is.
    """
    if not hasattr(ranker, "estimator_"):
        raise ValueError("cannot save an untrained LearnedRanker")
    directory.mkdir(parents=True, exist_ok=True)
    model_path = directory / MODEL_FILE
    with atomic_path(model_path) as temporary:
        joblib.dump(ranker, temporary)
    manifest = {
        "class": LearnedRanker.__name__,
        "params": ranker.get_params(),
        "model_file": MODEL_FILE,
        "model_sha256": _sha256(model_path),
        "features": list(FEATURE_NAMES),
        "sklearn_version": sklearn.__version__,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **(info or {}),
    }
    manifest_path = directory / "ranker.json"
    write_text_atomic(manifest_path, json.dumps(manifest, indent=2, ensure_ascii=False, default=str))
    return manifest_path


def load_learned(manifest_path: Path, manifest: dict[str, Any] | None = None) -> LearnedRanker:
    """Load a learned ranker from its manifest, checking features and the model checksum.

    Raises:
        ValueError: when the manifest's features differ from this version's, or the model file does
            not match its checksum (it is only unpickled after that check).
    """
    manifest = manifest or json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("features") != list(FEATURE_NAMES):
        raise ValueError(
            f"{manifest_path}: trained on features {manifest.get('features')}, "
            f"this version uses {list(FEATURE_NAMES)}"
        )
    model_path = manifest_path.parent / str(manifest.get("model_file", MODEL_FILE))
    if not model_path.is_file():
        raise ValueError(f"{manifest_path}: model file {model_path} is missing")
    if _sha256(model_path) != manifest.get("model_sha256"):
        raise ValueError(f"{model_path}: checksum does not match the manifest; refusing to load it")
    ranker = joblib.load(model_path)
    if not isinstance(ranker, LearnedRanker):
        raise ValueError(f"{model_path}: not a LearnedRanker")
    return ranker


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
