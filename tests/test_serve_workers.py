"""``haizhi serve --workers 2`` on PostgreSQL: real uvicorn worker processes over one set of mapped files.

A write through one worker becomes searchable through the other, both workers map the same index file,
and a version saved by ``haizhi build-index`` is picked up; SQLite refuses more than one worker.
Waits poll with a deadline (the follow interval is 0.5 s here); nothing asserts on elapsed time.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from conftest import _copy_records, postgres_url
from typer.testing import CliRunner

from api.access import ApiKeys
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.service import Matcher
from matcher.store import Store
from pipelines.bench.loadtest import free_port
from pipelines.cli.main import app as cli_app

ROOT = Path(__file__).resolve().parents[1]
WORKER = "X-Haizhi-Worker"
DEADLINE = 120.0  # generous: two cores shared with other work; polls end as soon as the state is there
NEED = {"text": "axolotl limb regeneration in blastema bioreactors for salamander tissue", "k": 3}
NEW_EXPERT = {
    "id": "EXW001",
    "name": "Ottilie Brandvold",
    "email": "o.brandvold@example.edu",
    "country": "NO",
    "affiliation": "University of Bergen",
    "industries": ["agriculture"],
    "fields": [],
    "keywords": ["axolotl regeneration", "blastema bioreactor", "salamander tissue"],
    "bio": "Ottilie Brandvold grows axolotl limb blastema in bioreactors for salamander tissue regeneration.",
    "languages": ["en"],
    "cooperation_modes": ["consulting"],
}


def wait_for(check: Callable[[], object], what: str, deadline: float = DEADLINE) -> object:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` at the deadline."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"not within {deadline:.0f} s: {what}")


@pytest.fixture(scope="module")
def workers(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SimpleNamespace]:
    """``haizhi serve --workers 2`` over a copy of the demo data in PostgreSQL, with an admin key."""
    url = postgres_url("haizhi_workers")  # skips without PostgreSQL
    data_dir = tmp_path_factory.mktemp("workers") / "data"
    shutil.copytree(demo_data_dir, data_dir)  # the embedding cache comes along: nothing re-embeds
    settings = Settings(data_dir=data_dir, database_url=url)
    _copy_records(Store(Settings(data_dir=data_dir).resolved_database_url), settings)
    shutil.rmtree(settings.index_dir)  # PostgreSQL numbers the rows anew
    Matcher(settings, encoder=use_encoder).build_index()
    store = Store(url)
    _, token = ApiKeys(store).create("workers test", "admin")
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HAIZHI_DATABASE_URL": url,
        "HAIZHI_INDEX_POLL_SECONDS": "0.5",
        "HAIZHI_EMBED_WORKERS": "1",
    }
    command = [sys.executable, "-m", "pipelines.cli.main", "serve", "--data-dir", str(data_dir)]
    command += ["--port", str(port), "--workers", "2", "--log-level", "warning"]
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    server = SimpleNamespace(url=f"http://127.0.0.1:{port}", token=token, settings=settings, env=env)
    try:
        pids: set[int] = set()

        def both_up() -> bool:
            assert process.poll() is None, "the server exited"
            with contextlib.suppress(httpx.HTTPError):
                pids.add(int(httpx.get(f"{server.url}/v1/health", timeout=5).headers[WORKER]))
            return len(pids) == 2

        wait_for(both_up, "two workers answering /v1/health", deadline=300)
        server.pids = sorted(pids)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=60)


def pinned(server: SimpleNamespace, pid: int) -> httpx.Client:
    """A keep-alive client whose connection was accepted by worker ``pid``."""

    def connect() -> httpx.Client | None:
        client = httpx.Client(base_url=server.url, headers={"X-API-Key": server.token}, timeout=120)
        if int(client.get("/v1/me").headers[WORKER]) == pid:
            return client
        client.close()
        return None

    client = wait_for(connect, f"a connection to worker {pid}")
    assert isinstance(client, httpx.Client)
    return client


def recommended(server: SimpleNamespace, pid: int, client: list[httpx.Client]) -> list[str]:
    """Expert ids worker ``pid`` recommends for ``NEED`` (re-pins if the connection moved)."""
    response = client[0].post("/v1/recommendations", json=NEED)
    if int(response.headers[WORKER]) != pid:
        client[0] = pinned(server, pid)
        response = client[0].post("/v1/recommendations", json=NEED)
    assert response.status_code == 200, response.text
    assert int(response.headers[WORKER]) == pid
    return [r["expert_id"] for r in response.json()["results"]]


def mapped_index_files(pid: int) -> set[str]:
    """The expert vector index files memory-mapped by process ``pid``."""
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {
        line.split(maxsplit=5)[5] for line in lines if line.endswith("index.faiss") and "/experts/" in line
    }


def current_dense_file(settings: Settings) -> str:
    version = (settings.index_dir / "experts" / "CURRENT").read_text().strip()
    return str(settings.index_dir / "experts" / version / "dense" / "index.faiss")


def test_a_write_through_one_worker_is_searchable_through_the_other(workers: SimpleNamespace) -> None:
    writer_pid, reader_pid = workers.pids
    writer, reader = pinned(workers, writer_pid), [pinned(workers, reader_pid)]
    assert "EXW001" not in recommended(workers, reader_pid, reader)
    created = writer.post("/v1/experts", json=NEW_EXPERT)
    assert created.status_code == 201, created.text
    assert int(created.headers[WORKER]) == writer_pid
    assert created.json()["indexed"] is True
    wait_for(
        lambda: recommended(workers, reader_pid, reader)[:1] == ["EXW001"],
        "the other worker recommends the expert written through the first",
    )
    # an update through the reader reaches the writer the same way: inactive experts drop out
    writer_list = [writer]
    assert reader[0].patch("/v1/experts/EXW001", json={"active": False}).status_code == 200
    wait_for(
        lambda: "EXW001" not in recommended(workers, writer_pid, writer_list),
        "the first worker drops the expert deactivated through the other",
    )


def test_both_workers_map_the_same_index_file(workers: SimpleNamespace) -> None:
    def same_file() -> bool:
        current = current_dense_file(workers.settings)
        return all(current in mapped_index_files(pid) for pid in workers.pids)

    wait_for(same_file, "both workers map the live version's expert index file")
    first, second = (mapped_index_files(pid) for pid in workers.pids)
    assert first & second  # one file, mapped by both (one copy in the page cache)


def test_a_version_saved_by_the_cli_is_picked_up(workers: SimpleNamespace) -> None:
    settings = workers.settings
    before = current_dense_file(settings)
    store = Store(settings.resolved_database_url)
    expert = Expert.model_validate({**NEW_EXPERT, "id": "EXW002", "email": "second@example.edu"})
    store.records.upsert("experts", [expert])  # written around the server, like `haizhi import`
    store.close()
    built = subprocess.run(
        [sys.executable, "-m", "pipelines.cli.main", "build-index", "--data-dir", str(settings.data_dir)],
        env=workers.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    assert current_dense_file(settings) != before  # the CLI saved a new version

    def picked_up() -> bool:
        current = current_dense_file(settings)
        return current != before and all(current in mapped_index_files(pid) for pid in workers.pids)

    wait_for(picked_up, "both workers map the version the CLI saved")
    for pid in workers.pids:
        client = [pinned(workers, pid)]
        wait_for(lambda c=client, p=pid: "EXW002" in recommended(workers, p, c), f"worker {pid} finds EXW002")


def test_more_than_one_worker_on_sqlite_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--data-dir", str(tmp_path), "--workers", "2"])
    assert result.exit_code == 2
    assert "needs PostgreSQL" in result.output and "database is locked" in result.output


def test_the_follower_indexes_other_writers_and_swaps_in_saved_versions(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path: Path
) -> None:
    """Two processes' matchers in one: B's follower sees A's writes, deletes and saved versions (SQLite)."""
    from embeddings.index.layered import LayeredIndex
    from matcher.retrieval.follow import StoreFollower

    shutil.copytree(demo_data_dir, tmp_path / "data")
    settings = Settings(data_dir=tmp_path / "data", index_mmap=True, embed_workers=1)
    a, b = (Matcher(settings, encoder=use_encoder) for _ in range(2))
    follow_a, follow_b = StoreFollower(a, save_every=0.0), StoreFollower(b, save_every=3600.0)
    need = NEED["text"]
    assert isinstance(b.collection("experts").dense, LayeredIndex)
    assert follow_b.poll_once().indexed == {}  # nothing changed yet
    assert follow_b.poll_once().indexed == {}
    expert = Expert.model_validate(NEW_EXPERT)
    a.store.records.upsert("experts", [expert])
    a.index_records("experts", [expert.id], save=False)  # what an API write does in worker A
    assert follow_b.poll_once().indexed == {"experts": 1}
    assert b.recommend(need, k=1, explain=False)[0].id == "EXW001"
    assert follow_b.poll_once().indexed == {}  # indexed once, not again
    assert follow_a.poll_once().saved == ["experts"]  # A holds the saver lock and saves its layer
    report = follow_b.poll_once()
    assert [line.split()[0] for line in report.loaded] == ["experts"] and "experts" not in report.indexed
    dense = b.collection("experts").dense
    assert isinstance(dense, LayeredIndex) and not dense.changed  # the saved version holds the write
    assert b.recommend(need, k=1, explain=False)[0].id == "EXW001"
    assert a.store.records.delete("experts", ["EXW001"]) == 1  # e.g. a dedup merge
    assert follow_b.poll_once().indexed == {"experts": 1}
    assert "EXW001" not in [r.id for r in b.recommend(need, k=5, explain=False)]
    follow_a.stop()
    follow_b.stop()
