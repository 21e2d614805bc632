"""Bulk import of the CLI's CSV/XLSX/JSONL files, with the same row-level errors, all or nothing."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path as FilePath
from typing import Literal

from fastapi import APIRouter, Depends, File, Path, UploadFile
from starlette.concurrency import run_in_threadpool

from api.auth import Principal, get_principal
from api.errors import ApiError, forbidden
from api.schemas import ImportOut
from api.state import AppState, get_state
from api.writes import save_records
from matcher.domain.records import Demand, Record, lenient_input
from matcher.ingest.importer import ImportFileError, read_records

router = APIRouter(prefix="/v1/imports", tags=["imports"])
ImportKind = Literal["experts", "organizations", "sites", "demands"]
_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".jsonl", ".json")
_UNSAFE = re.compile(r"[^\w.\-]+")


def _check_role(principal: Principal, kind: str) -> None:
    if kind == "demands":
        principal.require_write()
    else:
        principal.require_admin(f"import {kind}")


def _check_scope(principal: Principal, kind: str, records: list[Record]) -> None:
    outside = [r.id for r in records if isinstance(r, Demand) and not principal.sees_station(r.station_id)]
    if outside:
        listed = ", ".join(outside[:10]) + (" …" if len(outside) > 10 else "")
        raise forbidden(f"{len(outside)} demand(s) belong to stations outside this key's scope: {listed}")


@router.post("/{kind}", response_model=ImportOut, summary="Bulk import a CSV, XLSX or JSONL file")
async def import_records(
    kind: ImportKind = Path(description="experts, organizations, sites or demands"),
    file: UploadFile = File(description="CSV (UTF-8, GBK or Big5), XLSX or JSONL, as for `haizhi import`."),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> ImportOut:
    """Validate every row first; any problem rejects the whole file with ``file:row:column: reason`` lines."""
    _check_role(principal, kind)
    name = _UNSAFE.sub("_", FilePath(file.filename or f"{kind}.csv").name).lstrip(".") or f"{kind}.csv"
    if not name.lower().endswith(_SUFFIXES):
        raise ApiError(422, "invalid_input", f"{name}: use a .csv, .tsv, .xlsx or .jsonl file")
    limit = state.settings.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise ApiError(413, "too_large", f"{name} is larger than {limit} bytes; use `haizhi import`")
    return await run_in_threadpool(_import, state, principal, kind, name, data)


def _import(state: AppState, principal: Principal, kind: str, name: str, data: bytes) -> ImportOut:
    with tempfile.TemporaryDirectory(prefix="haizhi-import-") as directory:
        path = FilePath(directory) / name
        path.write_bytes(data)
        try:
            with lenient_input():  # a file reads as it does for `haizhi import`
                records = read_records(path, kind)
        except ImportFileError as error:
            # report the uploaded name, not the temporary path, exactly as the CLI would
            raise ImportFileError([replace(p, file=name) for p in error.problems]) from None
    if not records:
        raise ApiError(422, "invalid_input", f"{name} has no rows")
    _check_scope(principal, kind, records)
    result, indexed = save_records(
        state, principal, kind, records, action=f"{kind}.import", detail={"file": name}
    )
    return ImportOut(
        kind=kind,
        rows=len(records),
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        indexed=len(records) if indexed else 0,
    )
