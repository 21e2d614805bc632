"""Deterministic synthetic demo data: experts, organisations, sites, demands and graded gold labels.

Run ``python -m pipelines.demo.generator [--out DIR] [--seed N]`` to regenerate the committed CSVs in
``pipelines/demo/data/``. Same seed → byte-identical files. Gold labels come from the topic bank
(`pipelines.demo.topics`), never from engine output.
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path

from embeddings.atomic import write_text_atomic
from matcher.domain.records import Demand, Expert, Organization, Record, Site
from pipelines.demo.demands import build_demand, domestic_stations, grade_pairs
from pipelines.demo.experts import (
    PROFILE_BILINGUAL,
    PROFILE_EN,
    PROFILE_HANT,
    PROFILE_ZH,
    ExpertFactory,
    Person,
    as_english_duplicate,
    draw_profiles,
)
from pipelines.demo.places import build_organizations, build_sites
from pipelines.demo.topics import TOPICS, TOPICS_BY_ID

DEFAULT_OUT = Path(__file__).resolve().parent / "data"
# Per topic: 4 en, 4 zh, 1 traditional, 1 bilingual → every topic has cross-lingual relevant experts.
_TOPIC_PROFILES = (PROFILE_EN,) * 4 + (PROFILE_ZH,) * 4 + (PROFILE_HANT, PROFILE_BILINGUAL)
_DUPLICATE_PAIRS = 6
_DEMAND_COUNT = 160
_ENGLISH_DEMANDS = 24


@dataclass
class DemoData:
    """Everything the demo bundle holds, plus the labels used for evaluation."""

    experts: list[Expert]
    organizations: list[Organization]
    sites: list[Site]
    demands: list[Demand]
    gold: list[tuple[str, str, int]]  # (demand_id, expert_id, grade 1..3)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # same person entered twice
    expert_profiles: dict[str, str] = field(default_factory=dict)  # expert id → en / zh / zh-Hant / bilingual
    expert_topics: dict[str, tuple[str, str | None]] = field(
        default_factory=dict
    )  # id → (primary, secondary)
    demand_topics: dict[str, str] = field(default_factory=dict)  # demand id → topic id
    demand_languages: dict[str, str] = field(default_factory=dict)  # demand id → zh / en


def generate_demo(seed: int = 7) -> DemoData:
    """Generate the demo bundle deterministically from ``seed``."""
    rng = random.Random(seed)
    organizations, sites = build_organizations(), build_sites()
    factory = ExpertFactory(rng, organizations)
    plan = [(topic, profile) for topic in TOPICS for profile in _TOPIC_PROFILES]
    rng.shuffle(plan)  # ids must not reveal the topic order
    experts: list[Expert] = []
    persons: dict[str, Person] = {}
    profiles: dict[str, str] = {}
    for number, (topic, profile) in enumerate(plan, start=1):
        person = factory.draw_person(profile, topic)
        expert = factory.render(f"EX{number:04d}", person, profile)
        experts.append(expert)
        persons[expert.id], profiles[expert.id] = person, profile

    duplicates: list[tuple[str, str]] = []
    originals = [
        e for e in experts if profiles[e.id] in (PROFILE_ZH, PROFILE_BILINGUAL) and e.name_en and e.active
    ]
    seen_topics: set[str] = set()
    for original in rng.sample(originals, len(originals)):
        person = persons[original.id]
        if len(duplicates) == _DUPLICATE_PAIRS or person.primary.id in seen_topics:
            continue
        seen_topics.add(person.primary.id)
        copy_id = f"EX{len(experts) + 1:04d}"
        surname_first = f"{person.surname[1]} {person.given[1]}"  # "Zhang Wei" vs. "Wei Zhang"
        copy = factory.render(
            copy_id, as_english_duplicate(person), PROFILE_EN, english_display=surname_first, active=True
        )
        if len(duplicates) % 2 == 0 and original.email:
            copy = copy.model_copy(update={"email": original.email})
        experts.append(copy)
        persons[copy_id], profiles[copy_id] = person, PROFILE_EN
        duplicates.append((original.id, copy_id))

    expert_topics = {
        eid: (p.primary.id, p.secondary.id if p.secondary else None) for eid, p in persons.items()
    }
    by_topic: dict[str, list[Expert]] = {}
    for expert in experts:
        by_topic.setdefault(expert_topics[expert.id][0], []).append(expert)

    stations = domestic_stations(sites)
    english_stations = [s for s in stations if s.parent_id == "B-SZ"]
    topic_order: list[str] = []
    while len(topic_order) < _DEMAND_COUNT:
        ids = [t.id for t in TOPICS]
        rng.shuffle(ids)
        topic_order += ids
    english_flags = set(rng.sample(range(_DEMAND_COUNT), _ENGLISH_DEMANDS))
    demands: list[Demand] = []
    demand_topics: dict[str, str] = {}
    demand_languages: dict[str, str] = {}
    for index, topic_id in enumerate(topic_order[:_DEMAND_COUNT]):
        english = index in english_flags
        station = rng.choice(english_stations if english and rng.random() < 0.7 else stations)
        demand_id = f"D{index + 1:04d}"
        demands.append(
            build_demand(rng, demand_id, TOPICS_BY_ID[topic_id], station, english, by_topic[topic_id])
        )
        demand_topics[demand_id] = topic_id
        demand_languages[demand_id] = "en" if english else "zh"

    gold = grade_pairs(demands, demand_topics, experts, expert_topics)
    return DemoData(
        experts,
        organizations,
        sites,
        demands,
        gold,
        duplicates,
        profiles,
        expert_topics,
        demand_topics,
        demand_languages,
    )


def generate_experts(n: int, seed: int = 11) -> list[Expert]:
    """``n`` varied synthetic experts (ids ``BX000001`` …) for benchmarks; same topic bank as the demo."""
    if n < 0:
        raise ValueError(f"generate_experts: n must be ≥ 0, got {n}")
    rng = random.Random(seed)
    factory = ExpertFactory(rng, build_organizations(), validate=False)  # values are built valid; tests check
    experts = []
    # Millions of small acyclic objects: pausing the cyclic GC avoids repeated full scans of the growing list.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for number, profile in enumerate(draw_profiles(rng, n), start=1):
            person = factory.draw_person(profile, rng.choice(TOPICS))
            experts.append(factory.render(f"BX{number:06d}", person, profile))
    finally:
        if gc_was_enabled:
            gc.enable()
    return experts


def cell(value: object) -> str:
    """Serialise one record value for CSV: lists joined with ';', enums by value, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(cell(item) for item in value)
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return buffer.getvalue()


def _records_csv(records: Sequence[Record], model: type[Record]) -> str:
    columns = list(model.model_fields)
    return _csv_text(columns, ([getattr(record, name) for name in columns] for record in records))


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text, mode=0o644, newline="")  # shared files, not owner-only


def write_demo(directory: Path, data: DemoData) -> None:
    """Write the bundle as UTF-8 CSVs (+ README.md) into ``directory`` (created if missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "experts.csv": _records_csv(data.experts, Expert),
        "organizations.csv": _records_csv(data.organizations, Organization),
        "sites.csv": _records_csv(data.sites, Site),
        "demands.csv": _records_csv(data.demands, Demand),
        "gold.csv": _csv_text(("demand_id", "expert_id", "grade"), data.gold),
        "duplicates.csv": _csv_text(("expert_id_a", "expert_id_b"), data.duplicates),
        "expert_profiles.csv": _csv_text(
            ("expert_id", "profile_language"),
            ((e.id, data.expert_profiles.get(e.id, "")) for e in data.experts),
        ),
        "README.md": describe(data),
    }
    for name, text in files.items():
        _write_atomic(directory / name, text)


def describe(data: DemoData) -> str:
    """A Markdown README describing the (synthetic) bundle and its counts."""
    languages = Counter(data.expert_profiles.values())
    grades = Counter(grade for _, _, grade in data.gold)
    english_demands = sum(1 for language in data.demand_languages.values() if language == "en")
    stations = sum(1 for s in data.sites if s.kind.value == "station")
    lines = [
        "# Haizhi Match demo data (synthetic)",
        "",
        "All people, enterprises, stations and demands here are **fictional**, generated by",
        "`python -m pipelines.demo.generator` (seeded, deterministic; do not edit by hand). Universities and",
        "companies are used only as realistic affiliations; every e-mail address uses an `example.*` domain.",
        "",
        "| file | rows | content |",
        "|---|---|---|",
        f"| experts.csv | {len(data.experts)} | 海外专家 profiles: "
        + ", ".join(f"{k} {v}" for k, v in sorted(languages.items()))
        + " |",
        f"| organizations.csv | {len(data.organizations)} | 海外团体 overseas associations and stations |",
        f"| sites.csv | {len(data.sites)} | 海智基地 bases, {stations} domestic stations (广东/重庆), "
        "overseas stations |",
        f"| demands.csv | {len(data.demands)} | 企业需求: {len(data.demands) - english_demands} Chinese, "
        f"{english_demands} English |",
        f"| gold.csv | {len(data.gold)} | graded relevance: "
        + ", ".join(f"grade {g}: {grades[g]}" for g in (3, 2, 1))
        + " |",
        f"| duplicates.csv | {len(data.duplicates)} | pairs of expert rows describing the same person |",
        "| expert_profiles.csv | "
        + str(len(data.experts))
        + " | profile language per expert (for evaluation slices) |",
        "",
        "Multi-valued cells are joined with `;`; enums are stored by value; dates are ISO 8601.",
        "",
        "Gold grades come from the topic bank only: 3 = the expert's primary topic is the demand's topic and",
        "they share a cooperation mode; 2 = primary topic matches without a shared mode, or the secondary "
        "topic",
        "matches; 1 = primary topic marked related (same industry). Inactive experts are never relevant.",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point: regenerate the bundle."""
    parser = argparse.ArgumentParser(description="Regenerate the synthetic Haizhi Match demo data.")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)
    data = generate_demo(args.seed)
    write_demo(args.out, data)
    counts = f"{len(data.experts)} experts, {len(data.demands)} demands, {len(data.gold)} gold labels"
    print(f"wrote {counts} to {args.out}")


if __name__ == "__main__":
    main()
