"""Conversion between validated records and row values (the only place that knows the mapping)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from matcher.domain.records import RECORD_TYPES, Record
from matcher.store.tables import is_list_field

T = TypeVar("T")


def record_type(kind: str) -> type[Record]:
    """The record model for a kind.

    Raises:
        ValueError: if ``kind`` is not one of ``experts``, ``organizations``, ``sites``, ``demands``.
    """
    try:
        return RECORD_TYPES[kind]
    except KeyError:
        allowed = ", ".join(RECORD_TYPES)
        raise ValueError(f"unknown record kind {kind!r} (allowed: {allowed})") from None


@cache
def list_fields(kind: str) -> frozenset[str]:
    """Names of the fields of ``kind`` stored as JSON text."""
    model = record_type(kind)
    return frozenset(name for name, info in model.model_fields.items() if is_list_field(info.annotation))


def content_hash(record: Record) -> str:
    """SHA-256 of the record's canonical JSON: equal hashes mean nothing to write."""
    return hashlib.sha256(record.model_dump_json().encode("utf-8")).hexdigest()


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def to_row(kind: str, record: Record) -> dict[str, Any]:
    """Column values for ``record`` (without bookkeeping columns other than ``content_hash``)."""
    expected = record_type(kind)
    if not isinstance(record, expected):
        raise TypeError(f"{kind} holds {expected.__name__} records, got {type(record).__name__}")
    lists = list_fields(kind)
    row: dict[str, Any] = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if name in lists:
            row[name] = json.dumps([_plain(v) for v in value], ensure_ascii=False)
        else:
            row[name] = _plain(value)
    row["content_hash"] = content_hash(record)
    return row


def from_row(kind: str, row: Mapping[Any, Any]) -> Record:
    """Rebuild a record from a table row (validated again, so a hand-edited row cannot slip through)."""
    model = record_type(kind)
    lists = list_fields(kind)
    data: dict[str, Any] = {}
    for name in model.model_fields:
        value = row[name]
        if name in lists:
            data[name] = json.loads(value) if value else []
        elif value is not None:
            data[name] = value
    return model.model_validate(data)


def dataclass_from_row(cls: type[T], row: Mapping[Any, Any], **decoded: Any) -> T:
    """A dataclass whose fields are named like the row's columns.

    ``decoded`` gives the fields a column does not hold as they are (JSON text, 0/1 flags, NULL for "").
    """
    values = {f.name: row[f.name] for f in fields(cls) if f.init and f.name not in decoded}  # type: ignore[arg-type]
    return cls(**values, **decoded)
