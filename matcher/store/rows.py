"""The one mapping between table rows and Python objects, for every repository and its callers.

Records (pydantic models of `matcher.domain.records`) map to record-table rows by `to_row` /
`from_row`. Any other object whose fields are named like a table's columns (a dataclass or a pydantic
model: matches, events, cooperations, API keys, audit entries, nightly runs …) maps by
`object_from_row`, which converts each column by the field's type annotation, so no repository keeps
a hand-written list of fields.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from matcher.domain.records import RECORD_TYPES, Record, record_hash
from matcher.store.tables import is_list_field

T = TypeVar("T")

Row = Mapping[str, Any]
"""A table row as column name → value (what the persistence-only repositories return)."""


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
    row["content_hash"] = record_hash(record)
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


class ParsedRows:
    """Records parsed from rows, re-used while a row is unchanged (every column compared, so exact).

    Serving reads the same few thousand experts again and again; validating each row again costs more
    than the rest of reading it. A hit returns a shallow copy, so callers cannot change the memo.
    """

    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[tuple[str, str], tuple[tuple[Any, ...], Record]] = OrderedDict()
        self._lock = threading.Lock()

    def parse(self, kind: str, row: Mapping[Any, Any]) -> Record:
        """``from_row(kind, row)``, from the memo when this row was parsed before with the same values."""
        values, key = tuple(row.values()), (kind, str(row["id"]))
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] == values:
                self._entries.move_to_end(key)
                return hit[1].model_copy()
        record = from_row(kind, row)
        with self._lock:
            self._entries[key] = (values, record)
            if len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        return record.model_copy()


# Resolved once per class: type hints are slow to evaluate and rows are mapped by the thousand.
_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    """Field name → resolved annotation of the fields ``cls`` takes in its constructor."""
    known = _FIELD_TYPES.get(cls)
    if known is not None:
        return known
    hints = typing.get_type_hints(cls)
    if dataclasses.is_dataclass(cls):
        known = {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}
    elif issubclass(cls, BaseModel):
        known = {name: hints[name] for name in cls.model_fields}
    else:
        raise TypeError(f"{cls.__name__} is neither a dataclass nor a pydantic model")
    _FIELD_TYPES[cls] = known
    return known


def _column_value(annotation: Any, value: Any) -> Any:
    """A column value as the field's type: enums from their text, JSON text decoded, 0/1 as bool.

    A NULL in a plain ``str`` field reads as "" (text columns default to ""); an optional field keeps None.
    """
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1
    if optional:
        if value is None:
            return None
        annotation = args[0]
    origin = typing.get_origin(annotation) or annotation
    if origin in (dict, list):
        if isinstance(value, str | None):
            return json.loads(value) if value else origin()
        return value
    if annotation is str:
        return "" if value is None else value
    if annotation is bool:
        return bool(value)
    if isinstance(annotation, type) and issubclass(annotation, Enum) and not isinstance(value, annotation):
        return annotation(value)
    return value


def object_from_row(cls: type[T], row: Mapping[Any, Any], **decoded: Any) -> T:
    """A dataclass or pydantic model whose fields are named like the row's columns.

    Each column is converted by the field's annotation (see `_column_value`); ``decoded`` gives the
    fields that need more than that (e.g. nested objects) as they are.
    """
    values = {
        name: _column_value(annotation, row[name])
        for name, annotation in _field_types(cls).items()
        if name not in decoded
    }
    return cls(**values, **decoded)


def row_from_object(obj: Any, **extra: Any) -> dict[str, Any]:
    """Column values for a dataclass or pydantic model: enums as text, dicts and lists as JSON text."""
    if isinstance(obj, BaseModel):
        data = {name: getattr(obj, name) for name in type(obj).model_fields}
    else:
        data = {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj) if f.init}
    row = {
        name: json.dumps(value, ensure_ascii=False, default=str)
        if isinstance(value, dict | list)
        else _plain(value)
        for name, value in data.items()
    }
    return row | extra
