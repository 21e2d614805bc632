"""Shared fixtures: one real USE encoder per session and a demo data directory built once."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from api.access import ApiKeys
from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand
from matcher.retrieval.corpus import CorpusEntry
from matcher.service import Matcher
from pipelines.distributed.base import Engine

DEMO_DIR = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data"
POSTGRES_ENV = "HAIZHI_TEST_POSTGRES_URL"
POSTGRES_SKIP = (
    f"PostgreSQL tests need {POSTGRES_ENV}: run `. scripts/test-services.sh` first (as `make test` does; "
    "it installs and starts PostgreSQL and sets the variable)"
)


def pytest_report_header(config: pytest.Config) -> str:
    """Say at the top of every run whether the PostgreSQL tests will run (a plain `pytest` skips them)."""
    import os

    if os.environ.get(POSTGRES_ENV):
        return f"PostgreSQL tests: on ({POSTGRES_ENV} is set)"
    return f"PostgreSQL tests: SKIPPED. {POSTGRES_SKIP}"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """End a run that skipped the PostgreSQL tests with how to run them (shown under ``-q`` too)."""
    import os

    skipped = [r for r in terminalreporter.stats.get("skipped", []) if POSTGRES_ENV in str(r.longrepr)]
    if skipped and not os.environ.get(POSTGRES_ENV):
        terminalreporter.write_line(f"{len(skipped)} PostgreSQL tests skipped. {POSTGRES_SKIP}", yellow=True)


def database_url(backend: str, tmp_path: Path, schema: str) -> str:
    """A fresh SQLite file under ``tmp_path``, or PostgreSQL tables in ``schema`` (see `postgres_url`)."""
    return f"sqlite:///{tmp_path / 'store.db'}" if backend == "sqlite" else postgres_url(schema)


def postgres_url(schema: str) -> str:
    """A PostgreSQL URL whose tables live in ``schema`` (created), one per xdist worker; skips without PG.

    Parallel workers and test modules never drop each other's tables: each gets its own schema.
    """
    import os

    from matcher.store import Store

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(POSTGRES_SKIP)
    schema = f"{schema}_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = Store(url)
    with admin.engine.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    admin.close()
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def assert_engine_gives_local_lists(
    engine: Engine, matcher: Matcher, demands: Sequence[Demand], *, atol: float
) -> None:
    """``engine.recommend_many`` equals the in-process lists: ids, scores, explanations, records."""
    local = matcher.recommend_many(demands, k=12)
    remote = engine.recommend_many(matcher, demands, k=12)
    assert len(remote) == len(local) == len(demands)
    for mine, theirs in zip(remote, local, strict=True):
        assert [r.id for r in mine] == [r.id for r in theirs]
        np.testing.assert_allclose([r.score for r in mine], [r.score for r in theirs], atol=atol)
        assert [r.explanation for r in mine] == [r.explanation for r in theirs]
        assert all(r.record is not None and r.record.id == r.id for r in mine)
    lone = list(demands[:1])
    assert [r.id for r in engine.recommend_many(matcher, lone, k=5)[0]] == [r.id for r in local[0][:5]]
    assert engine.recommend_many(matcher, [], k=5) == []


def corpus_entry(pk: int, **overrides: object) -> CorpusEntry:
    """A corpus entry for hand-made retrieval tests: id ``E<pk>``, English, no tags (override any field)."""
    values: dict = dict(
        pk=pk, id=f"E{pk}", content_hash="", language="en", concepts=[], fields=[], industries=[]
    )
    values.update(overrides)
    return CorpusEntry(**values)


@pytest.fixture(scope="session")
def use_encoder() -> Encoder:
    """The default multilingual encoder, loaded once (about a second)."""
    return create_encoder("use")


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory, use_encoder: Encoder) -> Path:
    """A data directory with the bundled demo data imported and indexed (treat as read-only)."""
    from matcher.ingest.importer import import_file

    data_dir = tmp_path_factory.mktemp("demo-data")
    matcher = Matcher(Settings(data_dir=data_dir), encoder=use_encoder)
    for kind, name in (
        ("organizations", "organizations.csv"),
        ("sites", "sites.csv"),
        ("experts", "experts.csv"),
        ("demands", "demands.csv"),
    ):
        import_file(matcher.store, kind, DEMO_DIR / name)
    matcher.build_index()
    return data_dir


@pytest.fixture(scope="session")
def demo_matcher(demo_data_dir: Path, use_encoder: Encoder) -> Matcher:
    """A matcher over the demo data (do not write through it)."""
    return Matcher(Settings(data_dir=demo_data_dir), encoder=use_encoder)


@pytest.fixture(scope="session")
def api_server_factory(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[], SimpleNamespace]]:
    """Starts real uvicorn servers (thread, random 127.0.0.1 port), each over its own copy of the demo data.

    Each server is a ``SimpleNamespace`` with ``url``, ``data_dir``, ``database`` and ``keys`` (API
    tokens: admin, base B-GZ, stations ST001/ST002/ST008, analyst). ``start("postgres")`` serves the
    demo's records from PostgreSQL instead of SQLite. All are stopped at the end of the session.
    """
    import shutil
    import socket
    import threading
    import time

    import uvicorn

    from api.app import create_app
    from api.settings import ApiSettings
    from matcher.store import Store

    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []
    grants = {
        "admin": ("admin", None),
        "base": ("base", "B-GZ"),
        "station": ("station", "ST001"),
        "station2": ("station", "ST002"),
        "station_sz": ("station", "ST008"),
        "analyst": ("analyst", None),
    }

    def start(database: str = "sqlite") -> SimpleNamespace:
        data_dir = tmp_path_factory.mktemp("api") / "data"
        shutil.copytree(demo_data_dir, data_dir)
        settings = Settings(data_dir=data_dir)
        if database == "postgres":
            settings = Settings(data_dir=data_dir, database_url=postgres_url("haizhi_api"))
            _copy_records(Store(Settings(data_dir=data_dir).resolved_database_url), settings)
            shutil.rmtree(settings.index_dir)  # PostgreSQL numbers rows anew: index it (vectors are cached)
        store = Store(settings.resolved_database_url)
        store.create_schema()
        keys = {name: ApiKeys(store).create(f"test {name}", *grant)[1] for name, grant in grants.items()}
        store.close()
        app = create_app(ApiSettings(matcher=settings), encoder=use_encoder)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", workers=1))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        deadline = time.monotonic() + 120
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API server did not start")
            time.sleep(0.05)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        return SimpleNamespace(url=url, data_dir=data_dir, keys=keys, database=database)

    yield start
    for server, thread, sock in running:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def _copy_records(source: object, settings: Settings) -> None:
    """Copy the demo's records from its SQLite store into a fresh PostgreSQL schema."""
    from matcher.store import Store

    assert isinstance(source, Store)
    target = Store(settings.resolved_database_url)
    target.drop_schema()
    target.create_schema()
    for kind in ("sites", "organizations", "experts", "demands"):
        target.records.upsert(kind, [record for _, record in source.records.rows(kind)])
    source.close()
    target.close()


@pytest.fixture(scope="session")
def api_server(api_server_factory: Callable[[], SimpleNamespace]) -> SimpleNamespace:
    """The shared API server of the API and page tests (tests write only ids of their own)."""
    return api_server_factory()
