"""The rankers follow scikit-learn's estimator rules; retriever and feature builder are checked settings.

scikit-learn's own `check_estimator` runs on both rankers. The checks it cannot pass are listed in
`WIDTH_BOUND_CHECKS` with the reason: every one of them fits on a matrix it makes up itself (1 to 10
columns), and a ranker scores exactly `FEATURE_NAMES` — one weight per named feature — so it refuses
those matrices. The test asserts the failing set *equals* that list and that each failure is the width
refusal, so a ranker that starts failing another check, or for another reason, shows. What those checks
guard (fit returns self, parameters untouched, pickling, idempotence, invariances, NaN and dtype
handling, no half-written refit) is then asserted at the ranker's own width.
"""

from __future__ import annotations

import dataclasses
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import check_estimator
from sklearn.utils.validation import check_is_fitted

from matcher.config import Settings
from matcher.ranking.features import FEATURE_NAMES, PairFeatureBuilder
from matcher.ranking.learned import LearnedRanker
from matcher.ranking.rankers import LinearRanker, load_ranker, save_params
from matcher.retrieval.hybrid import HybridRetriever
from matcher.service import Matcher

WIDTH = len(FEATURE_NAMES)
_ARBITRARY_WIDTH = "fits on a matrix of its own width (1-10 columns); the ranker takes exactly 14"
WIDTH_BOUND_CHECKS: dict[str, str] = {
    "check_fit_score_takes_y": _ARBITRARY_WIDTH,
    "check_estimators_overwrite_params": _ARBITRARY_WIDTH,
    "check_dont_overwrite_parameters": _ARBITRARY_WIDTH,
    "check_estimators_fit_returns_self": _ARBITRARY_WIDTH,
    "check_readonly_memmap_input": _ARBITRARY_WIDTH,
    "check_n_features_in_after_fitting": _ARBITRARY_WIDTH,
    "check_positive_only_tag_during_fit": _ARBITRARY_WIDTH + " (4 iris columns)",
    "check_estimators_dtypes": _ARBITRARY_WIDTH,
    "check_dtype_object": _ARBITRARY_WIDTH,
    "check_pipeline_consistency": _ARBITRARY_WIDTH,
    "check_estimators_nan_inf": _ARBITRARY_WIDTH + " (refused before the NaN is reached)",
    "check_estimators_pickle": _ARBITRARY_WIDTH,
    "check_f_contiguous_array_estimator": _ARBITRARY_WIDTH,
    "check_methods_sample_order_invariance": _ARBITRARY_WIDTH,
    "check_methods_subset_invariance": _ARBITRARY_WIDTH,
    "check_fit2d_1sample": _ARBITRARY_WIDTH + " (the refusal names the width, not the one sample)",
    "check_fit2d_1feature": _ARBITRARY_WIDTH + " (the refusal names 14 columns, not 1 feature)",
    "check_dict_unchanged": _ARBITRARY_WIDTH,
    "check_fit_idempotent": _ARBITRARY_WIDTH,
    "check_fit_check_is_fitted": _ARBITRARY_WIDTH,
    "check_n_features_in": _ARBITRARY_WIDTH,
    "check_fit2d_predict1d": _ARBITRARY_WIDTH,
}
"""Checks a fixed-width ranker cannot pass, with why (the same for both rankers)."""
SKIPPED = {"check_array_api_input"}  # runs only with SCIPY_ARRAY_API=1 and an array API library
WIDTH_REFUSAL = f"expected a (n, {WIDTH}) feature matrix"

RANKERS = {
    "linear": lambda: LinearRanker(),
    "hgb": lambda: LearnedRanker(max_iter=20, min_samples_leaf=5),
    "logistic": lambda: LearnedRanker(model="logistic"),
}


@pytest.fixture(scope="module")
def rows() -> tuple[np.ndarray, np.ndarray]:
    """Feature rows in [0, 1] and grades 0-3 (both sides of the logistic model's grade 2)."""
    rng = np.random.default_rng(11)
    X = rng.uniform(0.0, 1.0, size=(120, WIDTH))
    return X, rng.integers(0, 4, size=120).astype(np.float64)


def _fitted(name: str, rows: tuple[np.ndarray, np.ndarray]) -> Any:
    return RANKERS[name]().fit(*rows)


def _messages(error: BaseException | None) -> str:
    """The error's message and those of the errors it was raised from."""
    parts = []
    while error is not None:
        parts.append(str(error))
        error = error.__cause__ or error.__context__
    return " | ".join(parts)


# ----- scikit-learn's own checks -----


@pytest.mark.parametrize("estimator", [LinearRanker(), LearnedRanker()], ids=["linear", "learned"])
def test_check_estimator_fails_only_the_documented_width_bound_checks(estimator: BaseEstimator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(
            estimator, expected_failed_checks=WIDTH_BOUND_CHECKS, on_fail=None, on_skip=None
        )
    by_status: dict[str, set[str]] = {}
    for result in results:
        by_status.setdefault(result["status"], set()).add(result["check_name"])
    assert by_status.get("failed", set()) == set()
    assert by_status.get("xfail", set()) == set(WIDTH_BOUND_CHECKS)
    assert by_status.get("skipped", set()) <= SKIPPED
    for result in results:
        if result["status"] == "xfail":
            assert WIDTH_REFUSAL in _messages(result["exception"]), result["check_name"]
    passed = by_status["passed"] - set(WIDTH_BOUND_CHECKS)
    assert {"check_estimators_unfitted", "check_no_attributes_set_in_init", "check_fit1d"} <= passed
    assert {"check_estimators_empty_data_messages", "check_estimator_sparse_array"} <= passed
    if isinstance(estimator, LearnedRanker):
        assert "check_requires_y_none" in passed


# ----- fitted state -----


def test_linear_ranker_refuses_to_score_before_fit(rows: tuple[np.ndarray, np.ndarray]) -> None:
    ranker = LinearRanker()
    with pytest.raises(NotFittedError):
        ranker.predict(rows[0])
    with pytest.raises(NotFittedError):
        ranker.contributions(rows[0])


def test_fitted_linear_ranker_predicts_the_weighted_sum(rows: tuple[np.ndarray, np.ndarray]) -> None:
    X = rows[0]
    weights = {name: round(0.1 * (i - 4), 2) for i, name in enumerate(FEATURE_NAMES)}
    ranker = LinearRanker(**weights).fit(X)
    vector = np.array([weights[name] for name in FEATURE_NAMES])
    np.testing.assert_allclose(ranker.coef_, vector)
    np.testing.assert_allclose(ranker.predict(X), X @ vector)
    np.testing.assert_allclose(ranker.contributions(X).sum(axis=1), ranker.predict(X))
    np.testing.assert_allclose(LinearRanker(**weights).fitted().predict(X), ranker.predict(X))
    before = ranker.predict(X)
    ranker.set_params(hybrid=50.0)  # a parameter change reaches predict only through a new fit
    np.testing.assert_allclose(ranker.predict(X), before)
    assert not np.allclose(ranker.fit(X).predict(X), before)


def test_every_serving_path_holds_a_fitted_ranker(tmp_path: Path) -> None:
    save_params(LinearRanker(freshness=5.0), tmp_path / "ranker.json")
    loaded = load_ranker(tmp_path / "ranker.json")
    check_is_fitted(loaded)  # type: ignore[arg-type]
    weights = {**LinearRanker().get_params(), "freshness": 5.0}
    assert loaded.predict(np.ones((1, WIDTH)))[0] == pytest.approx(sum(weights.values()))
    served = Matcher(Settings(data_dir=tmp_path / "data"))
    check_is_fitted(served.ranker)  # type: ignore[arg-type]
    with pytest.raises(NotFittedError):
        Matcher(Settings(data_dir=tmp_path / "data"), ranker=LinearRanker())


def test_learned_ranker_fit_needs_labels_even_when_trained(rows: tuple[np.ndarray, np.ndarray]) -> None:
    with pytest.raises(ValueError, match=r"requires y to be passed.*needs labels"):
        LearnedRanker().fit(rows[0])
    trained = _fitted("hgb", rows)
    scores = trained.predict(rows[0])
    with pytest.raises(ValueError, match="needs labels"):
        trained.fit(rows[0])  # used to keep the old model silently
    np.testing.assert_array_equal(trained.predict(rows[0]), scores)
    with pytest.raises(NotFittedError):
        LearnedRanker().predict(rows[0])


def test_a_refused_refit_leaves_the_trained_model(rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = rows
    trained = _fitted("logistic", rows)
    scores = trained.predict(X)
    baseline = trained.baseline_.copy()
    with pytest.raises(ValueError, match="no pair on both sides of grade 2"):
        trained.fit(X[:10] * 0.5, np.zeros(10))
    with pytest.raises(ValueError, match=r"unknown model 'forest'; use one of hgb, logistic"):
        trained.set_params(model="forest").fit(X, y)
    trained.set_params(model="logistic")
    with pytest.raises(ValueError, match=re.escape(WIDTH_REFUSAL)):
        trained.fit(X[:, :-1], y)
    np.testing.assert_array_equal(trained.predict(X), scores)
    np.testing.assert_array_equal(trained.baseline_, baseline)


# ----- what the width-bound checks guard, at the ranker's own width -----


@pytest.mark.parametrize("name", list(RANKERS))
def test_fit_returns_self_and_keeps_its_parameters(name: str, rows: tuple[np.ndarray, np.ndarray]) -> None:
    ranker = RANKERS[name]()
    params = ranker.get_params()
    assert ranker.fit(*rows) is ranker
    assert ranker.get_params() == params and ranker.n_features_in_ == WIDTH
    assert not hasattr(clone(ranker), "n_features_in_")  # a clone is unfitted


@pytest.mark.parametrize("name", list(RANKERS))
def test_scores_survive_pickle_refit_reordering_and_subsets(
    name: str, rows: tuple[np.ndarray, np.ndarray]
) -> None:
    X, y = rows
    ranker = _fitted(name, rows)
    scores = ranker.predict(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(ranker)).predict(X), scores)
    np.testing.assert_allclose(ranker.fit(X, y).predict(X), scores)
    order = np.random.default_rng(3).permutation(len(X))
    np.testing.assert_allclose(ranker.predict(X[order]), scores[order])
    np.testing.assert_allclose(ranker.predict(X[:7]), scores[:7])
    np.testing.assert_allclose(ranker.predict(X.astype(np.float32)), scores, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ranker.predict(np.asfortranarray(X)), scores)


@pytest.mark.parametrize("name", list(RANKERS))
def test_bad_rows_are_refused_with_a_clear_error(name: str, rows: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = rows
    ranker = _fitted(name, rows)
    with_nan = X.copy()
    with_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ranker.predict(with_nan)
    with pytest.raises(ValueError, match="NaN"):
        RANKERS[name]().fit(with_nan, y)
    with pytest.raises(ValueError, match=rf"{WIDTH - 1} features, but .* expecting {WIDTH} features"):
        ranker.predict(X[:, :-1])
    with pytest.raises(ValueError, match="Expected 2D array"):
        ranker.predict(X[0])


# ----- retriever and feature builder: plain settings, checked at construction -----


def test_unknown_fusion_or_mode_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match=r"unknown fusion 'nope' \(use one of rrf, weighted, zscore\)"):
        HybridRetriever(fusion="nope")  # type: ignore[arg-type]
    with pytest.raises(
        ValueError, match=r"unknown retrieval mode 'both' \(use one of hybrid, dense, lexical\)"
    ):
        HybridRetriever(mode="both")  # type: ignore[arg-type]
    retriever = HybridRetriever(fusion="rrf", rrf_k=20)
    with pytest.raises(ValueError, match="unknown fusion 'weigthed'"):
        dataclasses.replace(retriever, fusion="weigthed")  # type: ignore[arg-type]
    copy = dataclasses.replace(retriever, mode="dense")
    assert (copy.mode, copy.fusion, copy.rrf_k, retriever.mode) == ("dense", "rrf", 20, "hybrid")
    with pytest.raises(dataclasses.FrozenInstanceError):
        retriever.fusion = "nope"  # type: ignore[misc]


def test_feature_builder_is_a_plain_settings_object() -> None:
    builder = PairFeatureBuilder(load_saturation=3)
    assert not isinstance(builder, BaseEstimator)
    assert dataclasses.replace(builder, load_saturation=9).load_saturation == 9
    assert builder.load_saturation == 3
