"""Analysts' commands: ``haizhi train-ranker``, ``tune``, ``simulate-outcomes`` and ``compare``.

Production policy: nothing here changes what the service runs by itself. ``train-ranker`` always saves the
candidate model, and installs it as ``<data>/rankers/production/ranker.json`` only when it beats the
current ranker on held-out demands (paired randomization test, p < 0.05, positive nDCG gain) or with
``--force``; point ``HAIZHI_RANKER_PARAMS`` at that file to serve it. ``tune`` writes LinearRanker params
and fusion settings files and prints the ``HAIZHI_*`` lines to use them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.service import Matcher
from pipelines.demo import DEMO_DATA_DIR

DEMO_GOLD = DEMO_DATA_DIR / "gold.csv"
DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Data directory (default: $HAIZHI_DATA_DIR or ./var).")
]
GoldFile = Annotated[Path, typer.Option(exists=True, dir_okay=False, help="demand_id,expert_id,grade CSV.")]


def _matcher(data_dir: Path | None) -> Matcher:
    return Matcher(Settings(data_dir=data_dir) if data_dir else Settings())


def _demands(matcher: Matcher, gold: dict[str, dict[str, int]]) -> list[Demand]:
    found = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand) and d.id in gold]
    if not found:
        raise typer.BadParameter("no stored demand has labels; import demands or check the gold file")
    return found


def _line(name: str, per_query: dict[str, dict[str, float]], seed: int = 0) -> str:
    from matcher.evaluation.metrics import bootstrap_ci

    cells = []
    for metric in ("ndcg", "recall", "map", "mrr"):
        mean, low, high = bootstrap_ci([m[metric] for m in per_query.values()], seed=seed)
        cells.append(f"{mean:.3f} [{low:.3f},{high:.3f}]")
    return f"{name:<34} {len(per_query):>7} " + " ".join(f"{c:>19}" for c in cells)


HEADER = f"{'ranker':<34} {'demands':>7} " + " ".join(
    f"{h:>19}" for h in ("nDCG@10", "Recall@10", "MAP", "MRR@10")
)


def simulate_outcomes_cmd(
    gold: GoldFile = DEMO_GOLD,
    k: Annotated[int, typer.Option("-k", min=1, help="Recommendations per demand.")] = 10,
    noise: Annotated[float, typer.Option(min=0.0)] = 0.75,
    seed: int = 0,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N demands.")] = None,
    data_dir: DataDir = None,
) -> None:
    """SIMULATED lifecycle events (contacted/negotiating/signed/declined) for the demo: gold grade + noise."""
    from matcher.evaluation.offline import read_gold
    from matcher.evaluation.outcomes import simulate_outcomes

    matcher = _matcher(data_dir)
    labels = read_gold(gold)
    demands = _demands(matcher, labels)[:limit]
    typer.echo(str(simulate_outcomes(matcher, labels, demands=demands, k=k, noise=noise, seed=seed)))


def train_ranker(
    source: Annotated[str, typer.Option(help="Labels to learn from: 'lifecycle' or 'gold'.")] = "lifecycle",
    gold: GoldFile = DEMO_GOLD,
    model: Annotated[str, typer.Option(help="'hgb' (gradient-boosted trees) or 'logistic'.")] = "hgb",
    folds: Annotated[int, typer.Option(min=2)] = 5,
    force: Annotated[bool, typer.Option(help="Install even if it does not beat the current ranker.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Train a learned ranker with demand-grouped CV; install it only if it wins on held-out demands."""
    from datetime import UTC, datetime

    from matcher.evaluation.metrics import paired_test
    from matcher.evaluation.offline import read_gold
    from matcher.evaluation.outcomes import gold_from_lifecycle, lifecycle_range
    from matcher.ranking.learned import LearnedRanker, save_learned
    from matcher.ranking.pairs import collect_pairs, cross_validate, score_pairs

    if source not in ("lifecycle", "gold"):
        raise typer.BadParameter("--source must be 'lifecycle' or 'gold'")
    matcher = _matcher(data_dir)
    eval_gold = read_gold(gold)
    train_gold = gold_from_lifecycle(matcher.store) if source == "lifecycle" else eval_gold
    if not train_gold:
        raise typer.BadParameter("no lifecycle outcomes stored (try `haizhi simulate-outcomes` on demo data)")
    demands = [d for d in _demands(matcher, eval_gold) if d.id in train_gold]
    data = collect_pairs(matcher, demands)
    judged_only = source == "lifecycle"
    params: dict[str, Any] = {"model": model}

    def fit(pairs: Any, labels: Any) -> LearnedRanker:
        return LearnedRanker(**params).fit(pairs.X, labels)

    held_out = cross_validate(fit, data, train_gold, eval_gold, n_splits=folds, judged_only=judged_only)
    current = score_pairs(data, matcher.ranker.predict(data.X), eval_gold)
    test = paired_test(
        {q: m["ndcg"] for q, m in current.items()}, {q: m["ndcg"] for q, m in held_out.items()}
    )
    typer.echo(HEADER)
    typer.echo(_line(f"current ({type(matcher.ranker).__name__})", current))
    typer.echo(_line(f"learned {model} from {source} (CV)", held_out))
    wins = test.delta > 0 and test.significant
    typer.echo(
        f"nDCG@10 gain {test.delta:+.4f} [{test.ci_low:+.4f},{test.ci_high:+.4f}], p = {test.p_value:.4f}: "
        + ("beats the current ranker" if wins else "does not beat the current ranker")
    )
    labels = data.labels(train_gold)
    mask = data.judged(train_gold) if judged_only else labels == labels
    final = LearnedRanker(**params).fit(data.X[mask], labels[mask])
    info = {
        "source": source,
        "data": lifecycle_range(matcher.store) if source == "lifecycle" else {"gold": str(gold)},
        "training_pairs": int(mask.sum()),
        "demands": len(data.demands),
        "metrics": {"cv_ndcg@10": test.mean_b, "current_ndcg@10": test.mean_a, "p_value": test.p_value},
        "installed": bool(wins or force),
    }
    root = matcher.settings.data_dir / "rankers"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    typer.echo(f"candidate saved: {save_learned(final, root / f'learned-{stamp}', info=info)}")
    if wins or force:
        manifest = save_learned(final, root / "production", info=info)
        typer.echo(f"installed: {manifest}\nserve it with HAIZHI_RANKER_PARAMS={manifest}")
    else:
        typer.echo("not installed (the linear ranker stays); use --force to install anyway")


def tune(
    gold: GoldFile = DEMO_GOLD,
    iterations: Annotated[int, typer.Option(min=1, help="Random weight settings to try.")] = 60,
    folds: Annotated[int, typer.Option(min=2)] = 5,
    fusion: Annotated[bool, typer.Option(help="Also search the fusion settings.")] = True,
    out: Annotated[Path | None, typer.Option(help="Output directory (default <data>/tuning).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Search fusion settings and LinearRanker weights (nested demand-grouped CV); write them as files."""
    from matcher.evaluation.offline import read_gold
    from matcher.ranking.pairs import collect_pairs
    from matcher.ranking.rankers import LinearRanker, save_params
    from matcher.ranking.tuning import env_lines, save_fusion, tune_fusion, tune_linear

    matcher = _matcher(data_dir)
    labels = read_gold(gold)
    demands = _demands(matcher, labels)
    out = out or matcher.settings.data_dir / "tuning"
    typer.echo(HEADER)
    best_fusion = {
        k: getattr(matcher.settings, k) for k in ("fusion", "rrf_k", "dense_weight", "lexical_weight")
    }
    if fusion:
        result, pairs = tune_fusion(matcher, demands, labels, n_splits=folds)
        best_fusion = result.best
        data = pairs[json.dumps(best_fusion, sort_keys=True)]
        typer.echo(_line("fusion: shipped default", result.baseline))
        typer.echo(_line("fusion: tuned (nested CV)", result.cv))
    else:
        data = collect_pairs(matcher, demands)
    weights = tune_linear(data, labels, n_iter=iterations, n_splits=folds)
    typer.echo(_line("linear: default weights", weights.baseline))
    typer.echo(_line("linear: tuned weights (nested CV)", weights.cv))
    save_params(LinearRanker(**weights.best), out / "ranker-params.json")
    save_fusion(best_fusion, out / "fusion.json")
    typer.echo(f"wrote {out / 'ranker-params.json'} and {out / 'fusion.json'}; to serve them:")
    for line in env_lines(best_fusion, out / "ranker-params.json"):
        typer.echo(f"  {line}")


def compare(
    a: Annotated[str, typer.Option(help="Ranker A: 'default' or a params/manifest JSON.")] = "default",
    b: Annotated[str, typer.Option(help="Ranker B: 'default' or a params/manifest JSON.")] = "default",
    gold: GoldFile = DEMO_GOLD,
    data_dir: DataDir = None,
) -> None:
    """Compare two rankers on the same demands: metrics with intervals and a paired significance test."""
    from matcher.evaluation.metrics import paired_test
    from matcher.evaluation.offline import read_gold
    from matcher.ranking.pairs import collect_pairs, score_pairs
    from matcher.ranking.rankers import LinearRanker, Ranker, load_ranker

    def ranker(spec: str) -> Ranker:
        return LinearRanker().fitted() if spec == "default" else load_ranker(Path(spec))  # both fitted

    matcher = _matcher(data_dir)
    labels = read_gold(gold)
    data = collect_pairs(matcher, _demands(matcher, labels))
    scored = {spec: score_pairs(data, ranker(spec).predict(data.X), labels) for spec in (a, b)}
    typer.echo(HEADER)
    for name, spec in (("A", a), ("B", b)):
        typer.echo(_line(f"{name}: {Path(spec).name if spec != 'default' else spec}", scored[spec]))
    for metric in ("ndcg", "recall"):
        t = paired_test(
            {q: m[metric] for q, m in scored[a].items()}, {q: m[metric] for q, m in scored[b].items()}
        )
        typer.echo(f"B − A {metric}: {t.delta:+.4f} [{t.ci_low:+.4f},{t.ci_high:+.4f}] p = {t.p_value:.4f}")
