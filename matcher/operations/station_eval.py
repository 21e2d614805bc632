"""Yearly station evaluation (年度考核): a weighted score per station and a review list (优胜劣汰).

Each component is scaled to [0, 1]:

* ``docking_rate`` — contacted / posted (需求对接率);
* ``signing_rate`` — signed / posted (签约率);
* ``speed`` — ``max(0, 1 - median_days_to_first_contact / speed_horizon_days)``, 0 if nothing was
  contacted;
* ``volume`` — ``min(1, demands_posted / demands_target)``;
* ``experts`` — ``min(1, experts_introduced / experts_target)``;
* ``amount`` — ``min(1, contract_amount_wan / amount_target_wan)``.

score = 100 × Σ weightᵢ · componentᵢ / Σ weightᵢ. A station is flagged for review when its score is
below ``review_threshold`` or it posted no demand in the period. Weights, targets and the threshold
come from `EvaluationConfig` — defaults below, or a JSON file (``HAIZHI_STATION_EVALUATION``)::

    {"weights": {"docking_rate": 0.3, ...}, "targets": {"demands_target": 10, ...},
     "review_threshold": 40}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from matcher.operations.stats import ScopeStats, StatsReport

DEFAULT_WEIGHTS: dict[str, float] = {
    "docking_rate": 0.30,
    "signing_rate": 0.25,
    "speed": 0.10,
    "volume": 0.15,
    "experts": 0.10,
    "amount": 0.10,
}
DEFAULT_TARGETS: dict[str, float] = {
    "speed_horizon_days": 90.0,
    "demands_target": 10.0,
    "experts_target": 3.0,
    "amount_target_wan": 100.0,
}
DEFAULT_REVIEW_THRESHOLD = 40.0


@dataclass
class EvaluationConfig:
    """Weights, targets and review threshold of the yearly evaluation."""

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    targets: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD

    def __post_init__(self) -> None:
        for name, table, known in (
            ("weights", self.weights, DEFAULT_WEIGHTS),
            ("targets", self.targets, DEFAULT_TARGETS),
        ):
            unknown = sorted(set(table) - set(known))
            if unknown:
                raise ValueError(
                    f"station evaluation {name}: unknown keys {unknown} (known: {sorted(known)})"
                )
            negative = sorted(k for k, v in table.items() if not isinstance(v, int | float) or v < 0)
            if negative:
                raise ValueError(f"station evaluation {name}: {negative} must be numbers ≥ 0")
        self.weights = {**{k: 0.0 for k in DEFAULT_WEIGHTS}, **self.weights}
        self.targets = {**DEFAULT_TARGETS, **self.targets}
        if sum(self.weights.values()) <= 0:
            raise ValueError("station evaluation weights: at least one weight must be > 0")
        if any(v <= 0 for v in self.targets.values()):
            raise ValueError("station evaluation targets must all be > 0")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvaluationConfig:
        """Build from ``{"weights": …, "targets": …, "review_threshold": …}`` (all optional).

        Weights given replace the defaults as a whole (missing ones count 0); targets are merged.

        Raises:
            ValueError: unknown keys, negative or non-numeric values.
        """
        unknown = sorted(set(data) - {"weights", "targets", "review_threshold"})
        if unknown:
            raise ValueError(f"station evaluation: unknown keys {unknown}")
        return cls(
            weights=dict(data.get("weights", DEFAULT_WEIGHTS)),
            targets=dict(data.get("targets", {})),
            review_threshold=float(data.get("review_threshold", DEFAULT_REVIEW_THRESHOLD)),
        )

    @classmethod
    def load(cls, path: Path | None) -> EvaluationConfig:
        """Defaults when ``path`` is None, else the JSON file (errors name the file)."""
        if path is None:
            return cls()
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError, ValueError, TypeError) as error:
            raise ValueError(f"{path}: {error}") from None


@dataclass
class StationEvaluation:
    """One station's score, rank and review flag."""

    stats: ScopeStats
    components: dict[str, float]
    score: float
    rank: int = 0
    flagged: bool = False
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON and spreadsheets."""
        return {
            "rank": self.rank,
            **self.stats.as_dict(),
            **{f"c_{k}": round(v, 4) for k, v in self.components.items()},
            "score": self.score,
            "flagged": self.flagged,
            "reasons": "; ".join(self.reasons),
        }


def components(stats: ScopeStats, config: EvaluationConfig) -> dict[str, float]:
    """The [0, 1] components of a station's score (see the module docstring)."""
    targets = config.targets
    median = stats.median_days_to_first_contact
    speed = 0.0 if median is None else max(0.0, 1.0 - median / targets["speed_horizon_days"])
    return {
        "docking_rate": stats.docking_rate,
        "signing_rate": stats.signing_rate,
        "speed": speed,
        "volume": min(1.0, stats.demands_posted / targets["demands_target"]),
        "experts": min(1.0, stats.experts_introduced / targets["experts_target"]),
        "amount": min(1.0, stats.contract_amount_wan / targets["amount_target_wan"]),
    }


def evaluate_stations(report: StatsReport, config: EvaluationConfig | None = None) -> list[StationEvaluation]:
    """Score every station of ``report``, rank best first (ties by station id), flag weak ones."""
    config = config or EvaluationConfig()
    total_weight = sum(config.weights.values())
    results = []
    for stats in report.stations:
        parts = components(stats, config)
        score = round(100.0 * sum(config.weights[k] * v for k, v in parts.items()) / total_weight, 2)
        reasons = []
        if stats.demands_posted == 0:
            reasons.append("no demands posted in the period / 本期未发布需求")
        if score < config.review_threshold:
            reasons.append(f"score {score} < threshold {config.review_threshold} / 得分低于考核线")
        results.append(StationEvaluation(stats, parts, score, flagged=bool(reasons), reasons=reasons))
    results.sort(key=lambda e: (-e.score, e.stats.scope_id))
    for position, evaluation in enumerate(results, start=1):
        evaluation.rank = position
    return results
