"""Helpers shared by the record routers: paging, scoped listing, create and update."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel

from api.auth import Principal
from api.errors import ApiError
from api.params import SearchText
from api.schemas_records import Page, WriteResult
from api.state import AppState
from api.writes import SINGULAR, check_write_scope, get_record, patched, save_records
from matcher.domain.records import Record

OutT = TypeVar("OutT", bound=BaseModel)


@dataclass(frozen=True)
class PageParams:
    """Paging and the free-text query of a listing."""

    limit: int
    offset: int
    q: str | None


def page_params(
    limit: int = Query(20, ge=1, le=200, description="Page size."),
    offset: int = Query(0, ge=0, le=1_000_000, description="Records to skip."),
    q: Annotated[SearchText | None, Query(description="Text to look for in ids, names, titles …")] = None,
) -> PageParams:
    """Dependency: paging parameters."""
    return PageParams(limit=limit, offset=offset, q=q)


def list_page(
    state: AppState,
    kind: str,
    page: PageParams,
    convert: Callable[[Record], OutT],
    *,
    equals: Mapping[str, Any] | None = None,
    within: Mapping[str, Iterable[str]] | None = None,
) -> Page[OutT]:
    """One page of ``kind`` records converted to their response model."""
    conditions = {name: value for name, value in (equals or {}).items() if value is not None}
    records, total = state.store.search.search_records(
        kind, query=page.q, equals=conditions, within=within, limit=page.limit, offset=page.offset
    )
    return Page[OutT](items=[convert(r) for r in records], total=total, limit=page.limit, offset=page.offset)


def create_one(state: AppState, principal: Principal, kind: str, record: Record) -> WriteResult:
    """Create a record (409 if the id exists), audited and indexed."""
    check_write_scope(principal, kind, record)
    if state.store.records.get(kind, record.id) is not None:
        raise ApiError(
            409, "conflict", f"{SINGULAR[kind]} {record.id!r} already exists; use PATCH to change it"
        )
    _, indexed = save_records(state, principal, kind, [record], action=f"{kind}.create")
    return WriteResult(id=record.id, created=True, indexed=indexed)


def update_one(
    state: AppState, principal: Principal, kind: str, record_id: str, changes: Mapping[str, Any]
) -> tuple[WriteResult, Record]:
    """Apply a partial update (validated like an import row), audited and re-indexed."""

    def apply() -> Record:
        current = get_record(state, kind, record_id)
        check_write_scope(principal, kind, current)
        updated = patched(kind, current, changes)
        check_write_scope(principal, kind, updated)
        return updated

    updated = apply()
    saved: list[Record] = [updated]

    def rebase() -> list[Record]:  # under the write lock: the changes on the latest stored version
        saved[0] = apply()
        return saved

    detail = {"fields": sorted(changes)}
    _, indexed = save_records(
        state, principal, kind, [updated], action=f"{kind}.update", detail=detail, rebase=rebase
    )
    return WriteResult(id=record_id, created=False, indexed=indexed), saved[0]
