"""The Ray engine on a real local Ray cluster (head on 127.0.0.1): same vectors, lists and mails as local.

One head node (``ray start --head --block``, two CPUs) serves the whole module and is stopped at the
end; the tests join it by address, as ``--ray-address`` does. Mail goes to aiosmtpd on 127.0.0.1.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiosmtpd.controller import Controller
from conftest import assert_engine_gives_local_lists
from typer.testing import CliRunner

from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.retrieval.collection import Collection
from matcher.service import Matcher
from pipelines.cli.main import app
from pipelines.distributed import Engine, create_engine
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.plan import route_demands
from pipelines.nightly.run import FAIL_ENV, FAIL_EXIT_CODE, run_nightly
from pipelines.nightly.settings import NightlySettings

# not imported here: `create_engine` sets the auth mode Ray reads when first imported
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs the ray extra")

RUN_DATE = date(2026, 3, 2)
NIGHTLY = {"nightly_k": 4, "nightly_depth": 10, "nightly_cap": 3, "nightly_org_limit": 2}
runner = CliRunner()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def ray_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Ray head on 127.0.0.1 with two CPUs, in its own process group, stopped after the module.

    Token authentication is on (Ray's default; the token in ~/.ray/auth_token): `create_engine`
    sets ``RAY_AUTH_MODE=token`` before Ray is imported, so the driver sends it.
    """
    port = _free_port()
    log = (tmp_path_factory.mktemp("ray") / "head.log").open("w")
    ray_cli = str(Path(sys.executable).with_name("ray"))
    command = [
        ray_cli,
        *("start", "--head", "--block", "--port", str(port), "--node-ip-address", "127.0.0.1"),
        *("--num-cpus", "2", "--include-dashboard=false", "--disable-usage-stats"),
    ]
    # the head runs in token mode, as the drivers `create_engine` starts do; its token is made first
    # (``ray start`` without RAY_AUTH_MODE=token starts an open head that refuses token-mode drivers)
    environment = {**os.environ, "RAY_AUTH_MODE": "token"}
    token = [ray_cli, "get-auth-token", "--generate"]
    subprocess.run(token, env=environment, check=True, capture_output=True)
    head = subprocess.Popen(
        command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=environment
    )
    try:
        deadline = time.monotonic() + 120
        while head.poll() is None and time.monotonic() < deadline:  # wait for the GCS port
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.5)
        assert head.poll() is None, f"ray head exited: {(log.name and Path(log.name).read_text())[-2000:]}"
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # `ray start --block` drains and stops the processes it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        log.close()


@pytest.fixture(scope="module")
def engine(ray_address: str) -> Iterator[Engine]:
    """The Ray engine joined to the module's head, as ``--ray-address`` joins it."""
    with create_engine("ray", address=ray_address) as joined:
        yield joined


@dataclass
class RecordingHandler:
    messages: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler, port = RecordingHandler(), _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _copy(demo_data_dir: Path, target: Path, *, keep_indexes: bool = True) -> Path:
    shutil.copytree(demo_data_dir, target)
    if not keep_indexes:
        shutil.rmtree(target / "index")
        shutil.rmtree(target / "cache")
    return target


def _nightly_matcher(data_dir: Path, port: int, encoder: Encoder) -> Matcher:
    settings = NightlySettings(data_dir=data_dir, smtp_host="127.0.0.1", smtp_port=port, **NIGHTLY)  # type: ignore[arg-type]
    return Matcher(settings, encoder=encoder)


def _base_of(message: bytes) -> str:
    return message.split(b"X-Haizhi-Base: ", 1)[1].split(b"\r\n", 1)[0].decode()


def test_map_batches_keeps_input_order(engine: Engine) -> None:
    items = [3, 1, 2, 9, 8, 7, 5]
    expected = [1, 2, 3, 7, 8, 9, 5]  # each batch of three sorted, batches in input order
    assert engine.map_batches(sorted, items, batch_size=3) == expected
    assert create_engine("local").map_batches(sorted, items, batch_size=3) == expected


def test_build_index_on_ray_gives_the_local_indexes(
    engine: Engine, demo_data_dir: Path, demo_matcher: Matcher, tmp_path: Path, use_encoder: Encoder
) -> None:
    data_dir = _copy(demo_data_dir, tmp_path / "data", keep_indexes=False)  # no index, empty cache
    driver_encoder = create_encoder("use")  # gives id and dim; its model must never load here
    matcher = Matcher(Settings(data_dir=data_dir), encoder=driver_encoder)
    built = matcher.build_index(bulk_encoder=engine.bulk_encoder(matcher))
    assert driver_encoder._model is None, "the actors embedded, not the driver"
    assert built.experts.added == len(demo_matcher.collection("experts")) and built.cache_misses > 0
    for kind in ("experts", "demands"):
        local = demo_matcher.collection(kind)  # built in-process by the session fixture
        on_ray = Collection.load(kind, data_dir / "index" / kind, use_encoder.id)
        assert on_ray.corpus.hashes() == local.corpus.hashes()
        ids = local.dense.ids()
        np.testing.assert_array_equal(np.sort(on_ray.dense.ids()), np.sort(ids))
        np.testing.assert_allclose(on_ray.dense.reconstruct(ids), local.dense.reconstruct(ids), atol=1e-5)
        if local.items is not None:
            assert on_ray.items is not None
            keys = local.items.ids()
            np.testing.assert_allclose(
                on_ray.items.reconstruct(keys), local.items.reconstruct(keys), atol=1e-5
            )
    again = matcher.build_index(bulk_encoder=engine.bulk_encoder(matcher))
    assert again.cache_misses == 0 and again.experts.unchanged == built.experts.added
    with engine.bulk_encoder(matcher) as encoder:  # type: ignore[union-attr]
        assert encoder.encode_documents([]).shape == (0, use_encoder.dim)  # starts no actor


def test_batch_matching_on_ray_gives_the_local_lists(engine: Engine, demo_matcher: Matcher) -> None:
    demands = route_demands(demo_matcher, RUN_DATE).demands
    assert len(demands) > 20  # several shards
    assert_engine_gives_local_lists(engine, demo_matcher, demands, atol=1e-5)


def test_nightly_on_ray_sends_the_local_mails_once(
    engine: Engine, demo_data_dir: Path, tmp_path: Path, use_encoder: Encoder
) -> None:
    sent: dict[str, set[tuple[str, str, float]]] = {}
    mails: dict[str, Counter[str]] = {}
    for name, chosen in (("local", None), ("ray", engine)):
        controller_handler = RecordingHandler()
        port = _free_port()
        controller = Controller(controller_handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            matcher = _nightly_matcher(_copy(demo_data_dir, tmp_path / name), port, use_encoder)
            report = run_nightly(matcher, run_date=RUN_DATE, engine=chosen)
            assert report.status == "finished", report.failure
            assert report.counts["match_engine"] == name
            again = run_nightly(matcher, run_date=RUN_DATE, engine=chosen)  # same day: nothing twice
            assert len(again.counts["skipped_bases"]) == sum(b.status == "sent" for b in report.bases)
        finally:
            controller.stop()
        mails[name] = Counter(_base_of(m) for m in controller_handler.messages)
        ledger = NightlyLedger(matcher.store)
        sent[name] = {
            (p.demand_id, p.expert_id, round(p.score, 4))
            for d in ledger.deliveries(run_date=RUN_DATE, statuses=["sent"])
            for p in d.pairs
        }
    assert len(mails["ray"]) >= 5 and set(mails["ray"].values()) == {1}
    assert mails["ray"] == mails["local"]
    assert {(d, e) for d, e, _ in sent["ray"]} == {(d, e) for d, e, _ in sent["local"]}
    scores = {(d, e): s for d, e, s in sent["local"]}
    assert all(abs(s - scores[(d, e)]) <= 1e-4 for d, e, s in sent["ray"])


def test_cli_nightly_on_ray_killed_after_one_base_then_rerun_sends_each_base_once(
    ray_address: str,
    smtp: tuple[RecordingHandler, int],
    demo_data_dir: Path,
    tmp_path: Path,
    use_encoder: Encoder,
) -> None:
    handler, port = smtp
    data_dir = _copy(demo_data_dir, tmp_path / "data")
    env = {
        **os.environ,
        FAIL_ENV: "after_commit:1",
        "HAIZHI_SMTP_HOST": "127.0.0.1",
        "HAIZHI_SMTP_PORT": str(port),
        **{f"HAIZHI_{k.upper()}": str(v) for k, v in NIGHTLY.items()},
    }
    command = [sys.executable, "-m", "pipelines.cli.main", "nightly", "--date", RUN_DATE.isoformat()]
    command += ["--data-dir", str(data_dir), "--engine", "ray", "--ray-address", ray_address]
    crashed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert crashed.returncode == FAIL_EXIT_CODE, crashed.stderr[-2000:]
    assert len(handler.messages) == 1
    first = _base_of(handler.messages[0])

    matcher = _nightly_matcher(data_dir, port, use_encoder)
    report = run_nightly(matcher, run_date=RUN_DATE)  # resumed in-process: the ledger is the same
    assert report.counts["skipped_bases"] == [first]
    counts = Counter(_base_of(m) for m in handler.messages)
    assert set(counts.values()) == {1} and len(counts) == 1 + sum(b.status == "sent" for b in report.bases)


def test_cli_build_index_engine_options(
    ray_address: str, engine: Engine, demo_data_dir: Path, tmp_path: Path
) -> None:
    data_dir = _copy(demo_data_dir, tmp_path / "data")
    args = ["build-index", "--data-dir", str(data_dir), "--engine", "ray", "--ray-address", ray_address]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "misses 0" in result.output and "experts: +0 ~0 -0" in result.output
    wrong = runner.invoke(app, ["build-index", "--data-dir", str(data_dir), "--engine", "spark"])
    assert wrong.exit_code == 2 and "unknown engine 'spark'" in wrong.output
    stray = runner.invoke(app, ["build-index", "--data-dir", str(data_dir), "--ray-address", ray_address])
    assert stray.exit_code == 2 and "--ray-address needs --engine ray" in stray.output
