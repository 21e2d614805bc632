"""Health, index manifest, the calling key, the audit log and filter menus."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Query

from api.access import AuditLog
from api.auth import Principal, get_principal
from api.schemas import AuditOut, CatalogOut, HealthOut, LabelOut, MeOut
from api.state import AppState, get_state
from embeddings.index.base import MANIFEST_FILE
from embeddings.index.storage import current_version, files_directory, is_versioned
from matcher.domain.records import COOPERATION_LABELS_ZH

router = APIRouter(prefix="/v1", tags=["system"])


@router.get("/health", response_model=HealthOut, summary="Liveness (no key needed)")
def health(state: AppState = Depends(get_state)) -> HealthOut:
    """Whether the server runs, the indexed and stored experts and demands, and whether the index is behind.

    The index falls behind when records are written around the server (e.g. ``haizhi import`` without
    ``--index`` while it runs); the check reads only rows changed since the last build (an indexed
    ``row_updated_at``: milliseconds at 100k).
    """
    with state.lock.read():
        experts = len(state.matcher.collection("experts"))
        demands = len(state.matcher.collection("demands"))
        freshness = state.matcher.index_freshness()
    return HealthOut(
        status="ok",
        experts_indexed=experts,
        demands_indexed=demands,
        encoder=state.matcher.encoder.id,
        experts_stored=freshness.experts.stored,
        demands_stored=freshness.demands.stored,
        experts_behind=freshness.experts.behind,
        demands_behind=freshness.demands.behind,
        index_behind=freshness.behind,
        index_notice=freshness.notice(),
    )


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@router.get("/index", summary="Index manifest")
def index_manifest(
    _principal: Principal = Depends(get_principal), state: AppState = Depends(get_state)
) -> dict[str, Any]:
    """Per collection: indexed count in memory and the saved manifests (encoder, dim, checksum, time)."""
    out: dict[str, Any] = {"encoder": state.matcher.encoder.id, "collections": {}}
    with state.lock.read():
        for kind in ("experts", "demands"):
            saved = state.settings.matcher.index_dir / kind
            version = current_version(saved) if is_versioned(saved) else None
            dense = files_directory(version / "dense") if version else None
            out["collections"][kind] = {
                "count": len(state.matcher.collection(kind)),
                "version": version.name if version else None,
                "collection": _read_json(version / "collection.json") if version else {},
                "dense": _read_json(dense / MANIFEST_FILE) if dense else {},
            }
    return out


@router.get("/me", response_model=MeOut, summary="The calling key")
def me(principal: Principal = Depends(get_principal)) -> MeOut:
    """Role, site and scope of the key in use (the web page uses it)."""
    key = principal.key
    stations = None if principal.station_ids is None else sorted(principal.station_ids)
    return MeOut(
        key_id=key.key_id,
        name=key.name,
        role=key.role,
        site_id=key.site_id,
        sees_contacts=principal.sees_contacts,
        station_ids=stations,
    )


@router.get("/audit", response_model=list[AuditOut], summary="Audit log (admin)")
def audit(
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=1_000_000),
    key_id: str | None = Query(None, max_length=32),
    target_id: str | None = Query(None, max_length=160),
    principal: Principal = Depends(get_principal),
    state: AppState = Depends(get_state),
) -> list[AuditOut]:
    """Every write, newest first: who (key), what (action, target), when."""
    principal.require_admin("read the audit log")
    entries = AuditLog(state.store).entries(limit=limit, offset=offset, key_id=key_id, target_id=target_id)
    return [AuditOut(**e.__dict__) for e in entries]


@router.get("/catalog", response_model=CatalogOut, summary="Industries and cooperation modes")
def catalog(
    _principal: Principal = Depends(get_principal), state: AppState = Depends(get_state)
) -> CatalogOut:
    """Codes with Chinese and English labels for filter menus."""
    industries = [
        LabelOut(code=i.code, zh=i.zh, en=i.en) for i in state.matcher.analyzer.catalogue.industries
    ]
    modes = [
        LabelOut(code=m.value, zh=label, en=m.value.replace("_", " "))
        for m, label in COOPERATION_LABELS_ZH.items()
    ]
    return CatalogOut(industries=industries, cooperation_modes=modes)
