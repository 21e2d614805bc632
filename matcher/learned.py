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
`matcher.rank.load_ranker` loads either a manifest or LinearRanker params, so ``Settings.ranker_params``
may point at either.
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
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from embeddings.atomic import atomic_path, write_text_atomic
from matcher.features import FEATURE_NAMES

MONOTONIC = {"freshness": 0, "load": -1}
"""Monotonic constraint per feature for the tree model (+1 unless listed)."""
MODEL_FILE = "model.joblib"


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

    def fit(self, X: np.ndarray, y: np.ndarray | None = None, groups: object = None) -> LearnedRanker:
        """Fit on pair features and grades.

        Called without ``y`` on an already trained ranker (as the service does when it loads one), only
        the feature width is checked and the trained model is kept.

        Raises:
            ValueError: on a wrong feature width, or when an untrained ranker gets no labels or only
                one class.
        """
        X = _check_features(X)
        if y is None:
            if not hasattr(self, "estimator_"):
                raise ValueError("LearnedRanker.fit needs labels (grades) unless it is already trained")
            return self
        y = np.asarray(y, dtype=np.float64)
        if len(y) != len(X):
            raise ValueError(f"got {len(X)} feature rows but {len(y)} labels")
        self.baseline_ = X.mean(axis=0)
        if self.model == "hgb":
            constraints = [MONOTONIC.get(n, 1) for n in FEATURE_NAMES] if self.monotonic else None
            self.estimator_: Any = HistGradientBoostingRegressor(
                max_iter=self.max_iter,
                learning_rate=self.learning_rate,
                max_leaf_nodes=self.max_leaf_nodes,
                min_samples_leaf=self.min_samples_leaf,
                l2_regularization=self.l2_regularization,
                monotonic_cst=constraints,
                random_state=self.random_state,
            ).fit(X, y)
        elif self.model == "logistic":
            target = (y >= self.relevant_grade).astype(int)
            if len(set(target.tolist())) < 2:
                raise ValueError(
                    f"logistic ranker: labels have no pair on both sides of grade {self.relevant_grade}"
                )
            self.estimator_ = make_pipeline(
                StandardScaler(), LogisticRegression(C=self.C, max_iter=1000)
            ).fit(X, target)
        else:
            raise ValueError(f"unknown model {self.model!r}; use 'hgb' or 'logistic'")
        self.n_features_in_ = X.shape[1]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Scores of the feature rows (higher is better)."""
        X = _check_features(X)
        if isinstance(self.estimator_, Pipeline):
            return np.asarray(self.estimator_.decision_function(X), dtype=np.float64)
        return np.asarray(self.estimator_.predict(X), dtype=np.float64)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        """Per-feature contribution of each row (see the module docstring for the definition)."""
        X = _check_features(X)
        if isinstance(self.estimator_, Pipeline):
            scaler, logistic = self.estimator_[0], self.estimator_[-1]
            return np.asarray(scaler.transform(X) * logistic.coef_[0], dtype=np.float64)
        n, f = X.shape
        occluded = np.repeat(X[np.newaxis], f, axis=0)  # (f, n, f): copy j has feature j at baseline
        for j in range(f):
            occluded[j, :, j] = self.baseline_[j]
        base = self.predict(X)
        others = self.predict(occluded.reshape(f * n, f)).reshape(f, n)
        return (base[np.newaxis] - others).T

    def feature_importance(self) -> dict[str, float]:
        """Mean absolute contribution per feature over the training baseline's neighbourhood (for reports)."""
        probe = np.vstack(
            [self.baseline_, np.clip(self.baseline_ + 0.25, 0, 1), np.clip(self.baseline_ - 0.25, 0, 1)]
        )
        mean = np.abs(self.contributions(probe)).mean(axis=0)
        return {n: round(float(v), 4) for n, v in zip(FEATURE_NAMES, mean, strict=True)}


def _check_features(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != len(FEATURE_NAMES):
        raise ValueError(f"expected a (n, {len(FEATURE_NAMES)}) feature matrix, got shape {X.shape}")
    return X


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
