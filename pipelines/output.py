"""Rendering recommendations for terminals and JSONL files."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from embeddings.atomic import atomic_path
from matcher.domain.countries import country_name
from matcher.domain.records import Demand, Expert
from matcher.service import Recommendation


def recommendation_json(result: Recommendation, *, include_contacts: bool = False) -> dict[str, Any]:
    """A JSON-ready dict of one recommendation (contact fields only when allowed)."""
    payload: dict[str, Any] = {
        "id": result.id,
        "rank": result.rank,
        "score": result.score,
        "features": {n: round(v, 4) for n, v in result.features.items()},
    }
    if result.explanation is not None:
        payload["explanation"] = asdict(result.explanation)
    if isinstance(result.record, Expert):
        hidden = set() if include_contacts else {"email", "phone"}
        payload["expert"] = result.record.model_dump(mode="json", exclude=hidden)
    elif isinstance(result.record, Demand):
        payload["demand"] = result.record.model_dump(mode="json")
    return payload


def render_recommendations(results: Sequence[Recommendation]) -> str:
    """Human-readable list with reasons in Chinese and English."""
    if not results:
        return "没有找到符合条件的专家 / no matching experts."
    lines = []
    for r in results:
        expert = r.record if isinstance(r.record, Expert) else None
        if expert is not None:
            name = expert.name + (f" ({expert.name_en})" if expert.name_en else "")
            where = ", ".join(p for p in (expert.affiliation, country_name(expert.country, "zh")) if p)
            lines.append(f"{r.rank:>2}. {name} — {where}  [{r.id}]  score {r.score:.3f}")
        else:
            lines.append(f"{r.rank:>2}. {r.id}  score {r.score:.3f}")
        if r.explanation is not None:
            lines.append(f"    {r.explanation.text_zh}")
            lines.append(f"    {r.explanation.text_en}")
    return "\n".join(lines)


def match_line(demand: Demand, results: Sequence[Recommendation]) -> dict[str, Any]:
    """One JSONL line of ``haizhi match``: the demand and its ranked experts with explanations."""
    return {
        "demand_id": demand.id,
        "expert_ids": [r.id for r in results],
        "scores": [r.score for r in results],
        "explanations": [
            {
                "zh": r.explanation.text_zh,
                "en": r.explanation.text_en,
                "terms": [asdict(t) for t in r.explanation.matched_terms],
                "fields": [asdict(t) for t in r.explanation.shared_fields],
                "best_work": r.explanation.best_work,
            }
            if r.explanation
            else None
            for r in results
        ],
    }


def write_jsonl_atomic(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Write JSON lines to a temp file beside ``path`` and move it into place."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
