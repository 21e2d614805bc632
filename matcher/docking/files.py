"""Reading participant and pair-rule files (CSV, UTF-8 with or without BOM), errors as file:row:column.

Participants: ``type`` (expert | enterprise, 专家 | 企业), ``id``, and optionally ``name``, ``email``,
``mode`` (onsite | remote, 现场 | 线上; experts), ``limit``, ``priority``, ``slots`` and ``demands``
(``;``-separated ids). Pair rules: ``expert_id``, ``demand_id``, ``rule`` (require | bonus | forbid)
and optionally ``bonus``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from matcher.docking.records import RULES, EventError, PairRule, Participant

T = TypeVar("T")
_KIND = {"expert": "expert", "专家": "expert", "enterprise": "enterprise", "企业": "enterprise"}
_MODE = {
    "": False,
    "onsite": False,
    "on-site": False,
    "现场": False,
    "remote": True,
    "online": True,
    "线上": True,
}
_ALIASES = {
    "类型": "type",
    "编号": "id",
    "名称": "name",
    "邮箱": "email",
    "方式": "mode",
    "上限": "limit",
    "优先级": "priority",
    "时段": "slots",
    "需求": "demands",
}


class FileError(EventError):
    """A bad cell, as ``file:row:column: reason``."""


def _rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise FileError(f"{path}: cannot read as UTF-8 CSV: {error}") from None
    reader = csv.DictReader(text.splitlines())
    header = [_ALIASES.get((h or "").strip(), (h or "").strip().lower()) for h in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise FileError(f"{path}:1: missing column {missing[0]!r} (header: {', '.join(header)})")
    found = []
    for number, raw in enumerate(reader, start=2):
        values = list(raw.values())
        found.append(
            (
                number,
                {h: (v or "").strip() for h, v in zip(header, values, strict=False) if isinstance(v, str)},
            )
        )
    return found


def _cell(path: Path, number: int, column: str, value: str, parse: Callable[[str], T], reason: str) -> T:
    try:
        return parse(value)
    except (ValueError, KeyError):
        raise FileError(f"{path}:{number}:{column}: {value!r} {reason}") from None


def _ids(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.replace("；", ";").split(";") if v.strip())


def read_participants(path: Path) -> list[Participant]:
    """Participants from a CSV file.

    Raises:
        FileError: naming file, row, column and reason.
    """
    people = []
    for number, row in _rows(path, ("type", "id")):
        kind = _cell(
            path, number, "type", row["type"].lower(), _KIND.__getitem__, "is not expert or enterprise"
        )
        if not row["id"]:
            raise FileError(f"{path}:{number}:id: empty")
        limit = row.get("limit", "")
        slots = _ids(row.get("slots", ""))
        people.append(
            Participant(
                kind=kind,
                id=row["id"],
                name=row.get("name", ""),
                email=row.get("email", ""),
                remote=_cell(
                    path,
                    number,
                    "mode",
                    row.get("mode", "").lower(),
                    _MODE.__getitem__,
                    "is not onsite or remote",
                ),
                limit=None
                if not limit
                else _cell(path, number, "limit", limit, _non_negative, "is not a whole number ≥ 0"),
                priority=_cell(
                    path, number, "priority", row.get("priority", "") or "0", float, "is not a number"
                ),
                slots=slots or None,
                demands=_ids(row.get("demands", "")),
            )
        )
        if kind == "enterprise" and not people[-1].demands:
            raise FileError(f"{path}:{number}:demands: an enterprise needs at least one demand id")
    return people


def _non_negative(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def read_pair_rules(path: Path) -> list[PairRule]:
    """Requested and forbidden pairs from a CSV file.

    Raises:
        FileError: naming file, row, column and reason.
    """
    rules = []
    for number, row in _rows(path, ("expert_id", "demand_id", "rule")):
        rule = row["rule"].lower()
        if rule not in RULES:
            raise FileError(f"{path}:{number}:rule: {row['rule']!r} is not one of {', '.join(RULES)}")
        bonus = _cell(path, number, "bonus", row.get("bonus", "") or "0", float, "is not a number")
        rules.append(PairRule(row["expert_id"], row["demand_id"], rule, bonus))
    return rules
