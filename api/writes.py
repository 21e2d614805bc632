"""Every write goes through here: audited, indexed incrementally, and never holding readers up for long.

Analysing and embedding a record is the slow part of indexing (a 20,000-character need is ~0.5 s): it
runs before the write lock, which is then held only for the store transaction and the index update
from the prepared analyses and cached vectors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from pydantic import ValidationError

from api.access import AuditLog
from api.auth import Principal
from api.errors import ApiError, not_found
from api.state import AppState
from matcher.domain.records import RECORD_TYPES, Demand, Record
from matcher.retrieval.collection import CollectionKind
from matcher.store import UpsertResult

INDEXED_KINDS = ("experts", "demands")
SINGULAR = {"experts": "expert", "organizations": "organization", "sites": "site", "demands": "demand"}


def get_record(state: AppState, kind: str, record_id: str) -> Record:
    """A stored record or a 404."""
    record = state.store.records.get(kind, record_id)
    if record is None:
        raise not_found(f"no {SINGULAR[kind]} with id {record_id!r}")
    return record


def check_write_scope(principal: Principal, kind: str, record: Record) -> None:
    """Demands: the key's stations; everything else: admins only."""
    if isinstance(record, Demand):
        principal.require_demand_write(record)
    else:
        principal.require_admin(f"create or change {kind}")


def save_records(
    state: AppState,
    principal: Principal,
    kind: str,
    records: Sequence[Record],
    *,
    action: str,
    detail: Mapping[str, Any] | None = None,
    rebase: Callable[[], Sequence[Record]] | None = None,
) -> tuple[UpsertResult, bool]:
    """Upsert records and the audit entry in one transaction, then index experts/demands at once.

    The records are analysed and embedded first, outside the lock (concurrent readers go on); under the
    lock the index update only looks the prepared work up. Two writers of one record each index what
    the store holds after their own write, so the index ends with the last write, like the store.

    Args:
        rebase: recomputes the records under the lock from what is stored by then. A PATCH read its
            record before preparing (seconds for a large one); re-applying its changes to the latest
            version keeps a concurrent PATCH of other fields. Anything that differs from the prepared
            records is analysed under the lock.

    Returns:
        The upsert counts and whether the records were indexed.
    """
    indexed = kind in INDEXED_KINDS and bool(records)
    prepared = state.matcher.prepare_index(cast(CollectionKind, kind), records) if indexed else None
    with state.lock.write():
        if rebase is not None:
            records = rebase()
        with state.store.transaction():
            result = state.store.records.upsert(kind, records)
            target = records[0].id if len(records) == 1 else f"{len(records)} records"
            AuditLog(state.store).record(principal.key, action, kind, target, detail)
        if prepared is not None:
            # in memory at once; saved on shutdown (a restart's incremental build covers a crash)
            state.matcher.index_prepared(prepared, [r.id for r in records], save=False)
    return result, indexed


def patched(kind: str, record: Record, changes: Mapping[str, Any]) -> Record:
    """``record`` with ``changes`` applied, validated like an import row.

    ``changes`` come from a PATCH model (`api.patches`), which already refuses ``id`` and unknown keys;
    here the whole record is validated again for rules across fields.

    Raises:
        ApiError: 422 if the changed record is invalid.
    """
    model = RECORD_TYPES[kind]
    try:
        return model.model_validate({**record.model_dump(), **changes})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5])
        raise ApiError(422, "invalid_input", f"invalid {SINGULAR[kind]} {record.id}: {problems}") from None
