"""Tests for the synthetic demo bundle (pipelines/demo): counts, validity, gold labels, determinism."""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

import opencc
import pytest

from matcher.domain.records import Demand, Expert, Organization, Record, Site, SiteKind
from pipelines.demo.experts import PROFILE_SHARES
from pipelines.demo.generator import DEFAULT_OUT, DemoData, generate_demo, generate_experts, main, write_demo
from pipelines.demo.names import AFFILIATIONS
from pipelines.demo.topics import INDUSTRIES, TOPICS, TOPICS_BY_ID

CJK = re.compile(r"[\u4e00-\u9fff]")
PROVINCES = {"广东省", "重庆市"}


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo()


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _validate_csv(path: Path, model: type[Record]) -> list[Record]:
    # Empty cells mean "not given": drop them so optional fields take their defaults.
    return [model.model_validate({k: v for k, v in row.items() if v != ""}) for row in _read_rows(path)]


def test_topic_bank_shape() -> None:
    assert len(TOPICS) >= 60
    per_industry = Counter(topic.industry for topic in TOPICS)
    assert set(per_industry) == {industry.code for industry in INDUSTRIES}
    assert all(4 <= count <= 6 for count in per_industry.values()), per_industry
    for topic in TOPICS:
        assert 5 <= len(topic.keywords) <= 10, topic.id
        assert len(topic.bio_zh) >= 2 and len(topic.bio_en) >= 2, topic.id
        assert len(topic.demand_zh) >= 2 and len(topic.demand_en) >= 2, topic.id
        for related in topic.related:
            assert related in TOPICS_BY_ID and TOPICS_BY_ID[related].industry == topic.industry, (
                topic.id,
                related,
            )


def test_counts_and_shares(demo: DemoData) -> None:
    assert len(demo.experts) >= 600
    shares = Counter(demo.expert_profiles[e.id] for e in demo.experts)
    for profile, target in PROFILE_SHARES.items():
        assert abs(shares[profile] / len(demo.experts) - target) <= 0.05, (profile, shares)
    assert len({code for e in demo.experts for code in e.industries}) >= 12
    assert len({e.country for e in demo.experts}) >= 15
    assert len(demo.organizations) >= 40
    assert {o.kind for o in demo.organizations} <= {"association", "overseas_station"}
    bases = [s for s in demo.sites if s.kind in (SiteKind.BASE, SiteKind.OFFSHORE_BASE)]
    assert len(bases) >= 4 and all(b.province in PROVINCES and b.contact_emails for b in bases)
    assert any(b.contact_language == "en" for b in bases)
    stations = [s for s in demo.sites if s.kind is SiteKind.STATION]
    assert len(stations) >= 30 and all(s.province in PROVINCES for s in stations)
    base_ids = {b.id for b in bases}
    assert all(
        s.parent_id in base_ids for s in demo.sites if s.kind in (SiteKind.STATION, SiteKind.OVERSEAS_STATION)
    )
    assert len(demo.demands) >= 150
    zh_demands = [d for d in demo.demands if CJK.search(d.description)]
    assert 0.8 <= len(zh_demands) / len(demo.demands) <= 0.9
    assert all(demo.demand_languages[d.id] == "zh" for d in zh_demands)
    station_ids = {s.id for s in stations}
    assert all(d.station_id in station_ids and 2 <= len(d.keywords) <= 5 for d in demo.demands)
    assert sum(not e.active for e in demo.experts) / len(demo.experts) < 0.1


def test_profile_text_matches_language(demo: DemoData) -> None:
    to_simplified = opencc.OpenCC("t2s")
    for expert in demo.experts:
        profile = demo.expert_profiles[expert.id]
        if profile == "en":
            assert not CJK.search(expert.bio + expert.name), expert.id
        else:
            assert CJK.search(expert.bio) and CJK.search(expert.name), expert.id
        if profile == "zh-Hant":
            assert to_simplified.convert(expert.bio) != expert.bio, expert.id
        if profile == "bilingual":
            assert re.search(r"[A-Za-z]{4,} [a-z]{3,}", expert.bio) and expert.name_en, expert.id


def test_committed_files_validate_and_round_trip(demo: DemoData) -> None:
    pairs: list[tuple[str, type[Record], list[Expert] | list[Organization] | list[Site] | list[Demand]]] = [
        ("experts.csv", Expert, demo.experts),
        ("organizations.csv", Organization, demo.organizations),
        ("sites.csv", Site, demo.sites),
        ("demands.csv", Demand, demo.demands),
    ]
    for name, model, generated in pairs:
        path = DEFAULT_OUT / name
        header = next(csv.reader(path.open(encoding="utf-8")))
        assert header == list(model.model_fields), name
        assert _validate_csv(path, model) == generated, name
    assert (DEFAULT_OUT / "experts.csv").stat().st_size < 1_500_000


def test_gold_labels(demo: DemoData) -> None:
    experts = {e.id: e for e in demo.experts}
    demands = {d.id: d for d in demo.demands}
    rows = _read_rows(DEFAULT_OUT / "gold.csv")
    assert [(r["demand_id"], r["expert_id"], int(r["grade"])) for r in rows] == demo.gold
    assert len({(d, e) for d, e, _ in demo.gold}) == len(demo.gold)
    grade3: dict[str, list[str]] = {d: [] for d in demands}
    for demand_id, expert_id, grade in demo.gold:
        expert, topic = experts[expert_id], demo.demand_topics[demand_id]
        assert demand_id in demands and expert.active and grade in (1, 2, 3)
        primary, secondary = demo.expert_topics[expert_id]
        if grade == 3:
            assert primary == topic
            wanted = set(demands[demand_id].cooperation_modes)
            assert not wanted or wanted & set(expert.cooperation_modes)
            grade3[demand_id].append(expert_id)
        elif grade == 2:
            assert topic in (primary, secondary)
        else:
            assert TOPICS_BY_ID[primary].industry == TOPICS_BY_ID[topic].industry and primary != topic
    assert min(len(ids) for ids in grade3.values()) >= 3
    # Cross-lingual coverage: zh demands have English/traditional relevant experts, en demands Chinese ones.
    zh_relevant = Counter(
        demo.expert_profiles[e] for d, ids in grade3.items() if demo.demand_languages[d] == "zh" for e in ids
    )
    assert zh_relevant["en"] / sum(zh_relevant.values()) >= 0.25 and zh_relevant["zh-Hant"] >= 50
    for demand_id in grade3:
        if demo.demand_languages[demand_id] == "en":
            assert any(
                demo.expert_profiles[e] in ("zh", "zh-Hant")
                for d, e, g in demo.gold
                if d == demand_id and g >= 2
            ), demand_id


def test_duplicates_are_same_person(demo: DemoData) -> None:
    experts = {e.id: e for e in demo.experts}
    rows = _read_rows(DEFAULT_OUT / "duplicates.csv")
    assert [(r["expert_id_a"], r["expert_id_b"]) for r in rows] == demo.duplicates and len(rows) >= 6
    for a_id, b_id in demo.duplicates:
        a, b = experts[a_id], experts[b_id]
        assert a.name_en and CJK.search(a.name) and not CJK.search(b.name)
        assert set(a.name_en.split()) == set(b.name.split()) and a.name_en != b.name
        same_employer = next(aff for aff in AFFILIATIONS if aff.name_en == b.affiliation)
        assert a.country == b.country and same_employer.name_zh in (a.affiliation or "")
        assert demo.expert_topics[a_id] == demo.expert_topics[b_id]


def test_orcids_have_valid_checksums(demo: DemoData) -> None:
    orcids = [e.orcid for e in demo.experts if e.orcid]
    assert len(orcids) >= 50
    for orcid in orcids:
        digits = orcid.replace("-", "")
        total = 0
        for ch in digits[:-1]:
            total = (total + int(ch)) * 2
        check = (12 - total % 11) % 11
        assert digits[-1] == ("X" if check == 10 else str(check)), orcid


def test_deterministic_and_matches_committed(demo: DemoData, tmp_path: Path) -> None:
    assert generate_demo() == demo
    assert generate_demo(seed=8).experts != demo.experts
    write_demo(tmp_path / "a", demo)
    main(["--out", str(tmp_path / "b")])
    committed = sorted(p.name for p in DEFAULT_OUT.iterdir())
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == committed
    for name in committed:
        expected = (DEFAULT_OUT / name).read_bytes()
        assert (tmp_path / "a" / name).read_bytes() == expected, name
        assert (tmp_path / "b" / name).read_bytes() == expected, name


def test_generate_experts_unique_and_varied() -> None:
    experts = generate_experts(2000)
    assert generate_experts(2000) == experts
    assert len({e.id for e in experts}) == 2000 and experts[0].id == "BX000001"
    assert len({e.bio for e in experts}) >= 1990
    assert len({e.name for e in experts}) >= 1000
    assert len({code for e in experts for code in e.industries}) == len(INDUSTRIES)
    assert len({e.country for e in experts}) >= 20
    english_only = sum(1 for e in experts if not CJK.search(e.bio)) / len(experts)
    assert 0.35 <= english_only <= 0.45
    for expert in experts[::50]:
        assert Expert.model_validate(expert.model_dump()) == expert
    assert generate_experts(0) == []
    with pytest.raises(ValueError, match="n must be"):
        generate_experts(-1)
