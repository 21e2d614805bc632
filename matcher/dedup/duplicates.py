"""Find and merge duplicate expert profiles (same person imported twice, in zh and en, …).

Exact duplicates share an email address or ORCID iD. Fuzzy duplicates have the same name once
Chinese names are romanised with pypinyin ("张伟" = "Wei Zhang" = "Zhang Wei"), a similar affiliation
and, as a weaker signal, the same country. Candidates are only compared within blocks of equal
name keys, so the search is near-linear in the number of experts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

from embeddings.text.normalize import is_han
from matcher.dedup.name_match import (
    CJK,
    NameForms,
    affiliation_text_similarity,
    name_forms,
    written_similarity,
)
from matcher.domain.records import Expert
from matcher.store import RecordNotFound, Store

NAME_WEIGHT, AFFILIATION_WEIGHT, COUNTRY_WEIGHT = 0.5, 0.4, 0.1
UNKNOWN_AFFILIATION = 0.5
"""Affiliation similarity assumed when either profile has none: name alone stays below 0.85."""
MAX_BLOCK = 1000
"""Blocks of one name key larger than this are split by country to bound pairwise work."""


@dataclass(frozen=True)
class DuplicateCandidate:
    """Two profiles that look like one person; ``keep_id`` is the newer / fuller one."""

    keep_id: str
    drop_id: str
    score: float
    reasons: list[str] = field(default_factory=list)


def _name_forms(expert: Expert) -> list[NameForms]:
    return [name_forms(n) for n in (expert.name, expert.name_en) if n]


def name_variants(expert: Expert) -> set[str]:
    """Romanised spellings of all the expert's names, in both orders."""
    return set().union(*(forms.spellings for forms in _name_forms(expert)))


def name_keys(expert: Expert) -> set[str]:
    """Order-free blocking keys: the sorted letters of each name variant."""
    return {"".join(sorted(variant)) for variant in name_variants(expert)}


def name_similarity(a: Expert, b: Expert) -> float:
    """Best similarity (0–1) between any of ``a``'s and ``b``'s written names."""
    return max(
        (written_similarity(x, y) for x in _name_forms(a) for y in _name_forms(b)),
        default=0.0,
    )


def affiliation_similarity(a: Expert, b: Expert) -> float | None:
    """Similarity (0–1) of two experts' affiliations, or None if either is missing.

    Text cannot compare 洛桑联邦理工学院 with EPFL, so when the two are written in different scripts the
    shared context stands in: the same overseas organisation and industry (1.0), the same organisation
    (0.75), the same industry only (0.5).
    """
    if not a.affiliation or not b.affiliation:
        return None
    if _has_han(a.affiliation) != _has_han(b.affiliation):
        shared_org = bool(set(a.organizations) & set(b.organizations))
        shared_industry = bool(set(a.industries) & set(b.industries))
        return 0.5 * shared_industry + (0.75 if shared_org else 0.0) - 0.25 * (shared_org and shared_industry)
    return affiliation_text_similarity(a.affiliation, b.affiliation)


def _has_han(text: str) -> bool:
    return any(map(is_han, text))


def _fullness(expert: Expert) -> int:
    return sum(1 for value in expert.model_dump().values() if value not in (None, "", [], False))


def _order(a: Expert, b: Expert) -> tuple[Expert, Expert]:
    """(keep, drop): newer profile first, then fuller, then smaller id."""

    def rank(e: Expert) -> tuple[Any, ...]:
        return (e.updated_at or date.min, _fullness(e), [-ord(c) for c in e.id])

    return (a, b) if rank(a) >= rank(b) else (b, a)


def _exact_pairs(experts: Sequence[Expert]) -> dict[frozenset[str], list[str]]:
    pairs: dict[frozenset[str], list[str]] = defaultdict(list)
    for label, key in (("email", lambda e: (e.email or "").lower()), ("ORCID", lambda e: e.orcid or "")):
        groups: dict[str, list[Expert]] = defaultdict(list)
        for expert in experts:
            value = key(expert)
            if value:
                groups[value].append(expert)
        for value, group in groups.items():
            for a, b in combinations(group, 2):
                pairs[frozenset((a.id, b.id))].append(f"same {label} {value}")
    return pairs


def _blocks(experts: Sequence[Expert]) -> Iterable[list[Expert]]:
    by_key: dict[str, list[Expert]] = defaultdict(list)
    for expert in experts:
        for key in name_keys(expert):
            by_key[key].append(expert)
    for block in by_key.values():
        if len(block) <= 1:
            continue
        if len(block) <= MAX_BLOCK:
            yield block
            continue
        by_country: dict[str, list[Expert]] = defaultdict(list)
        for expert in block:
            by_country[expert.country].append(expert)
        yield from (group for group in by_country.values() if len(group) > 1)


def _could_reach(a: Expert, b: Expert, threshold: float) -> bool:
    """Cheap bound: skip the affiliation comparison when the name alone rules the pair out."""
    best_rest = AFFILIATION_WEIGHT + COUNTRY_WEIGHT * (a.country == b.country)
    return NAME_WEIGHT * name_similarity(a, b) + best_rest >= threshold


def pair_score(a: Expert, b: Expert) -> tuple[float, list[str]]:
    """Fuzzy duplicate score (0–1) of two profiles, with the reasons behind it."""
    name = name_similarity(a, b)
    affiliation = affiliation_similarity(a, b)
    same_country = a.country == b.country
    score = (
        NAME_WEIGHT * name
        + AFFILIATION_WEIGHT * (UNKNOWN_AFFILIATION if affiliation is None else affiliation)
        + COUNTRY_WEIGHT * same_country
    )
    reasons = [f"name {a.name!r} ≈ {b.name!r} ({name:.2f})"]
    if affiliation is None:
        reasons.append("affiliation missing on one profile")
    elif _has_han(a.affiliation or "") != _has_han(b.affiliation or ""):
        reasons.append(f"affiliations in different languages; shared organisation/industry {affiliation:.2f}")
    else:
        reasons.append(f"affiliation similarity {affiliation:.2f}")
    reasons.append(
        f"same country {a.country}" if same_country else f"countries differ ({a.country}/{b.country})"
    )
    return round(score, 4), reasons


def find_duplicates(experts: Sequence[Expert], threshold: float = 0.85) -> list[DuplicateCandidate]:
    """Likely duplicate pairs, best first.

    Args:
        experts: profiles to search (ids must be unique).
        threshold: minimum fuzzy score; exact email/ORCID matches (score 1.0) are always returned.

    Returns:
        One candidate per pair. Groups of three or more appear as several pairs.
    """
    by_id = {expert.id: expert for expert in experts}
    found: dict[frozenset[str], tuple[float, list[str]]] = {
        pair: (1.0, reasons) for pair, reasons in _exact_pairs(experts).items()
    }
    for block in _blocks(experts):
        for a, b in combinations(block, 2):
            pair = frozenset((a.id, b.id))
            if pair in found or a.id == b.id:
                continue
            if not _could_reach(a, b, threshold):
                continue
            score, reasons = pair_score(a, b)
            if score >= threshold:
                found[pair] = (score, reasons)
    candidates = []
    for pair, (score, reasons) in found.items():
        first, second = sorted(pair)
        keep, drop = _order(by_id[first], by_id[second])
        candidates.append(DuplicateCandidate(keep.id, drop.id, score, reasons))
    return sorted(candidates, key=lambda c: (-c.score, c.keep_id, c.drop_id))


def merge_profiles(keep: Expert, drop: Expert) -> Expert:
    """One profile from two: lists united, scalars from the newer profile (``keep`` on ties)
    with gaps filled from the other, the newest ``updated_at``, and ``keep``'s id."""
    newer, older = (
        (drop, keep) if (drop.updated_at or date.min) > (keep.updated_at or date.min) else (keep, drop)
    )
    data: dict[str, Any] = {"id": keep.id}
    for name in Expert.model_fields:
        if name == "id":
            continue
        first, second = getattr(newer, name), getattr(older, name)
        if isinstance(first, list):
            data[name] = list(dict.fromkeys([*getattr(keep, name), *getattr(drop, name)]))
        elif name == "active":
            data[name] = keep.active or drop.active
        elif name == "updated_at":
            data[name] = max((d for d in (keep.updated_at, drop.updated_at) if d is not None), default=None)
        else:
            data[name] = first if first not in (None, "") else second
    # A zh profile merged with an en one: keep the Chinese name as name and the Latin one as name_en.
    chinese = next((e.name for e in (newer, older) if CJK.search(e.name)), None)
    latin = next((e.name for e in (newer, older) if not CJK.search(e.name)), None)
    if chinese and latin and not data["name_en"]:
        data["name"], data["name_en"] = chinese, latin
    return Expert.model_validate(data)


def merge_experts(store: Store, keep_id: str, drop_id: str) -> Expert:
    """Merge expert ``drop_id`` into ``keep_id`` in one transaction and return the merged profile.

    Matches of the dropped expert move to the kept one; the dropped row is deleted.

    Raises:
        RecordNotFound: if either id is not stored.
        ValueError: if both ids are the same.
    """
    if keep_id == drop_id:
        raise ValueError(f"cannot merge expert {keep_id!r} into itself")
    with store.transaction():
        keep, drop = _stored_expert(store, keep_id), _stored_expert(store, drop_id)
        merged = merge_profiles(keep, drop)
        store.merge_expert_rows(merged, drop_id)
    return merged


def _stored_expert(store: Store, expert_id: str) -> Expert:
    record = store.records.get("experts", expert_id)
    if not isinstance(record, Expert):
        raise RecordNotFound(f"no expert with id {expert_id!r}")
    return record
