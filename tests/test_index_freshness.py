"""Index freshness: counts of records stored but not (or no longer) indexed, in Python, CLI and API."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import postgres_url

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.retrieval.collection import Collection
from matcher.retrieval.maintenance import compare_with_store
from matcher.service import Matcher
from matcher.store import Store

NEWCOMERS = [
    Expert(id=f"FRESH-{n}", name=f"Fresh {n}", country="NL", bio="Proton exchange membrane fuel cells.")
    for n in range(2)
]


def _write_around_the_index(store: Store) -> None:
    """2 experts added, 1 changed, 1 expert and 1 demand deleted: none of it indexed."""
    changed = store.records.list("experts", limit=1)[0]
    assert isinstance(changed, Expert)
    store.records.upsert(
        "experts", [*NEWCOMERS, changed.model_copy(update={"bio": changed.bio + " Also hydrogen."})]
    )
    store.records.delete("experts", [store.records.list("experts", limit=1, offset=1)[0].id])
    store.records.delete("demands", [store.records.list("demands", limit=1)[0].id])


EXPECTED = (
    "index is behind the database: 2 experts not yet indexed, 1 expert changed since indexed, "
    "1 expert deleted but still indexed, 1 demand deleted but still indexed — run haizhi build-index"
)


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


def test_freshness_counts_what_the_index_misses_until_it_catches_up(
    data_dir: Path, use_encoder: Encoder
) -> None:
    matcher = Matcher(Settings(data_dir=data_dir, embed_workers=1), encoder=use_encoder)
    fresh = matcher.index_freshness()
    assert not fresh.behind and fresh.notice() is None
    assert fresh.experts.stored == fresh.experts.indexed == 656

    _write_around_the_index(matcher.store)
    behind = matcher.index_freshness()
    assert (behind.experts.not_indexed, behind.experts.changed, behind.experts.deleted) == (2, 1, 1)
    assert (behind.demands.behind, behind.experts.stored) == (1, 657)
    assert behind.notice() == EXPECTED
    # the stamp path (rows changed since the build) agrees with comparing every record
    for kind in ("experts", "demands"):
        collection = matcher.collection(kind)
        assert collection.store_stamp
        unstamped = Collection(kind, collection.dense, collection.lexical, collection.corpus)
        assert compare_with_store(matcher.store, unstamped) == compare_with_store(matcher.store, collection)

    matcher.index_records("experts", [e.id for e in NEWCOMERS])  # write-through, as the API does
    assert matcher.index_freshness().experts.not_indexed == 0
    report = matcher.build_index()
    assert report.experts.updated == 1 and report.demands.removed == 1
    assert not matcher.index_freshness().behind
    assert not Matcher(matcher.settings, encoder=use_encoder).index_freshness().behind  # as saved


def test_an_incremental_build_reads_only_the_rows_changed_since_its_stamp(
    data_dir: Path, use_encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    matcher = Matcher(Settings(data_dir=data_dir, embed_workers=1), encoder=use_encoder)
    changed = matcher.store.records.list("experts", limit=1)[0]
    assert isinstance(changed, Expert)
    edited = changed.model_copy(update={"bio": "Zirconolite ceramics for immobilising nuclear waste."})
    matcher.store.records.upsert("experts", [*NEWCOMERS, edited])
    read: list[tuple[str, list[str] | None]] = []
    real_rows = matcher.store.records.rows

    def recording_rows(kind: str, ids: list[str] | None = None) -> list:  # type: ignore[type-arg]
        read.append((kind, None if ids is None else sorted(ids)))
        return real_rows(kind, ids)

    monkeypatch.setattr(matcher.store.records, "rows", recording_rows)
    report = matcher.build_index()

    assert (report.experts.added, report.experts.updated, report.experts.removed) == (2, 1, 0)
    assert report.experts.unchanged == 655 and not report.demands.changed
    assert read == [("experts", sorted([changed.id, *(e.id for e in NEWCOMERS)])), ("demands", [])]
    assert not matcher.index_freshness().behind
    found = matcher.recommend("zirconolite ceramics", k=1, explain=False, mode="lexical", rank=False)
    assert [r.id for r in found] == [changed.id]  # its new text is what the index reads
    reopened = Matcher(matcher.settings, encoder=use_encoder)
    assert reopened.collection("experts").corpus.pk_of("FRESH-0") is not None  # saved with its stamp


def test_an_index_saved_without_a_store_stamp_is_compared_in_full(
    data_dir: Path, use_encoder: Encoder
) -> None:
    for kind in ("experts", "demands"):  # an index written before stamps existed
        version = data_dir / "index" / kind / (data_dir / "index" / kind / "CURRENT").read_text().strip()
        manifest = json.loads((version / "collection.json").read_text())
        manifest.pop("store_stamp", None)
        (version / "collection.json").write_text(json.dumps(manifest))
    matcher = Matcher(Settings(data_dir=data_dir, embed_workers=1), encoder=use_encoder)
    assert matcher.collection("experts").store_stamp is None
    _write_around_the_index(matcher.store)
    assert matcher.index_freshness().notice() == EXPECTED
    matcher.build_index()
    assert matcher.collection("experts").store_stamp and not matcher.index_freshness().behind


def test_cli_recommend_says_the_index_is_behind(data_dir: Path) -> None:
    _write_around_the_index(Store(Settings(data_dir=data_dir).resolved_database_url))
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", "recommend", "氢燃料电池", "-k", "2", "--json"],
        capture_output=True,
        text=True,
        env={**os.environ, "HAIZHI_DATA_DIR": str(data_dir)},
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2  # the notice stays out of the JSON
    assert EXPECTED in result.stderr


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_health_reports_an_index_behind_the_database(
    api_server_factory: Callable[[str], SimpleNamespace], database: str
) -> None:
    server = api_server_factory(database)
    health = httpx.get(f"{server.url}/v1/health", timeout=60).json()
    assert health["index_behind"] is False and health["index_notice"] is None
    assert health["experts_stored"] == health["experts_indexed"] == 656
    # an import around the server (e.g. `haizhi import` without --index while it runs)
    url = postgres_url("haizhi_api") if database == "postgres" else None  # the server's own schema
    _write_around_the_index(Store(url or Settings(data_dir=server.data_dir).resolved_database_url))
    health = httpx.get(f"{server.url}/v1/health", timeout=60).json()
    assert (health["experts_behind"], health["demands_behind"], health["index_behind"]) == (4, 1, True)
    assert health["index_notice"] == EXPECTED
