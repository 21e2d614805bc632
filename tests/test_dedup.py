"""Duplicate detection and merging of expert profiles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.dedup.duplicates import find_duplicates, merge_experts, name_keys, name_similarity
from matcher.domain.records import CooperationMode, Demand, Expert, MatchStatus
from matcher.store import RecordNotFound, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(f"sqlite:///{tmp_path / 'dedup.db'}")
    opened.create_schema()
    yield opened
    opened.close()


def person(id_: str, name: str, affiliation: str | None = "Stanford University", **extra: object) -> Expert:
    return Expert.model_validate(
        {"id": id_, "name": name, "country": "US", "affiliation": affiliation, **extra}
    )


def pairs(candidates: list[object]) -> set[frozenset[str]]:
    return {frozenset((c.keep_id, c.drop_id)) for c in candidates}  # type: ignore[attr-defined]


def test_chinese_and_both_english_orders_are_one_person() -> None:
    experts = [
        person("a", "张伟"),
        person("b", "Wei Zhang", "Dept. of Materials Science, Stanford University"),
        person("c", "Zhang Wei"),
        person("d", "張偉", updated_at="2024-01-01"),  # traditional characters
        person("x", "李娜"),
    ]
    found = find_duplicates(experts)
    expected = {
        frozenset(p) for p in [("a", "b"), ("a", "c"), ("b", "c"), ("a", "d"), ("b", "d"), ("c", "d")]
    }
    assert pairs(found) == expected
    assert all(c.score >= 0.85 for c in found)
    # The profile with a date is the newer one and is kept.
    assert all(c.keep_id == "d" for c in found if "d" in (c.keep_id, c.drop_id))
    assert any("name" in reason for reason in found[0].reasons)


def test_same_pinyin_at_different_affiliations_is_not_merged() -> None:
    experts = [
        person("a", "张伟", "Stanford University"),
        person("b", "Wei Zhang", "Max Planck Institute for Chemistry"),
    ]
    assert find_duplicates(experts) == []
    assert find_duplicates(experts, threshold=0.5) != []  # found, just below the default threshold
    assert name_similarity(*experts) == 1.0


def test_name_alone_without_affiliation_stays_below_threshold() -> None:
    assert find_duplicates([person("a", "张伟", None), person("b", "Wei Zhang", None)]) == []


def test_email_and_orcid_are_exact_matches() -> None:
    experts = [
        person("a", "Anna Schmidt", "TU Munich", email="Anna@TUM.de"),
        person("b", "A. Schmidt-Weber", "LMU", email="anna@tum.de"),
        person("c", "Li Na", "MIT", orcid="0000-0002-1825-0097"),
        person("d", "李娜", "Harvard", orcid="0000-0002-1825-0097"),
        person("e", "Bob Stone", "MIT", email="bob@mit.edu"),
    ]
    found = find_duplicates(experts)
    assert pairs(found) == {frozenset(("a", "b")), frozenset(("c", "d"))}
    assert [c.score for c in found] == [1.0, 1.0]
    assert any("same email anna@tum.de" in r for c in found for r in c.reasons)
    assert any("same ORCID" in r for c in found for r in c.reasons)


def test_blocking_keys_ignore_order_hyphens_and_initials() -> None:
    assert name_keys(person("a", "李小明")) & name_keys(person("b", "Xiao-Ming Li"))
    assert name_keys(person("a", "Xiaoming A. Li")) & name_keys(person("b", "Li Xiaoming"))
    assert not name_keys(person("a", "张伟")) & name_keys(person("b", "Wei Zheng"))


def test_many_distinct_experts_yield_no_candidates() -> None:
    surnames = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"]
    given = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛"]
    experts = [
        person(f"e{i}-{j}", s + g, f"University number {i * 100 + j}")
        for i, s in enumerate(surnames)
        for j, g in enumerate(given)
    ]
    assert find_duplicates(experts) == []


def test_merge_unions_fields_and_moves_matches(store: Store) -> None:
    keep = person(
        "a",
        "张伟",
        email="wz@stanford.edu",
        fields=["new_energy.battery"],
        keywords=["锂电池"],
        cooperation_modes=["柔性"],
        updated_at="2023-01-01",
    )
    drop = person(
        "b",
        "Wei Zhang",
        "Stanford University, Materials Science",
        phone="+1 650",
        bio="Newer bio.",
        fields=["new_energy.battery", "materials.nano"],
        keywords=["solid-state electrolyte"],
        cooperation_modes=["consulting"],
        updated_at="2024-06-01",
    )
    store.records.upsert("experts", [keep, drop, person("c", "Other Person")])
    store.records.upsert("demands", [Demand(id="d1", title="电池"), Demand(id="d2", title="材料")])
    store.matches.set_status("d1", "b", "recommended")
    store.matches.set_status("d1", "b", "contacted", actor="alice")
    store.matches.set_status("d2", "a", "recommended")
    store.matches.set_status("d2", "b", "recommended")

    merged = merge_experts(store, "a", "b")

    assert (
        merged.id == "a" and store.records.get("experts", "b") is None and store.records.count("experts") == 2
    )
    assert store.records.get("experts", "a") == merged
    assert merged.fields == ["new_energy.battery", "materials.nano"]
    assert merged.keywords == ["锂电池", "solid-state electrolyte"]
    assert merged.cooperation_modes == [CooperationMode.FLEXIBLE, CooperationMode.CONSULTING]
    assert merged.name == "张伟" and merged.name_en == "Wei Zhang"
    assert merged.email == "wz@stanford.edu" and merged.phone == "+1 650" and merged.bio == "Newer bio."
    assert merged.affiliation == "Stanford University, Materials Science"  # newer profile wins
    assert merged.updated_at is not None and merged.updated_at.isoformat() == "2024-06-01"
    moved = store.matches.get("d1", "a")
    assert moved is not None and moved.status is MatchStatus.CONTACTED
    assert [(m.demand_id, m.expert_id) for m in store.matches.list()] == [("d1", "a"), ("d2", "a")]
    assert store.matches.open_engagements() == {"a": 1}
    history = store.matches.history("d1", "a")
    assert [h.actor for h in history] == ["system", "alice", "dedup"]


def test_merge_refuses_unknown_or_same_ids(store: Store) -> None:
    store.records.upsert("experts", [person("a", "张伟")])
    with pytest.raises(RecordNotFound, match="'zz'"):
        merge_experts(store, "a", "zz")
    with pytest.raises(ValueError, match="into itself"):
        merge_experts(store, "a", "a")
    assert store.records.count("experts") == 1
