"""Bulk embedding over worker processes: same vectors as in-process, one pool reused, workers die with
their parent (Linux death signal, and the polling watchdog used elsewhere)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from embeddings.encoders.base import Encoder
from embeddings.encoders.parallel import ParallelEncoder

ROOT = Path(__file__).resolve().parents[1]


def _workers() -> set[int]:
    return {child.pid for child in psutil.Process().children() if "spawn_main" in " ".join(child.cmdline())}


def test_parallel_equals_in_process_and_reuses_its_pool(use_encoder: Encoder) -> None:
    texts = [
        f"第{i}号专家研究锂电池正极材料与固态电解质" if i % 2 else f"expert {i} on wastewater"
        for i in range(300)
    ]
    before = _workers()
    with ParallelEncoder(use_encoder, "use", workers=2, min_parallel=100, chunk_size=64) as parallel:
        assert (parallel.id, parallel.dim) == (use_encoder.id, use_encoder.dim)
        small = parallel.encode_queries(texts[:5])  # below min_parallel and no pool yet: in-process
        assert _workers() == before
        got = parallel.encode_documents(texts)
        np.testing.assert_allclose(got, use_encoder.encode_documents(texts), atol=1e-5)
        workers = _workers() - before
        assert len(workers) == 2
        # a running pool takes every later call, however small, with the same two workers
        np.testing.assert_allclose(parallel.encode_documents(texts[:40]), got[:40], atol=1e-5)
        assert _workers() - before == workers
    np.testing.assert_allclose(small, got[:5], atol=1e-5)
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in workers)


PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
print(child.pid, flush=True)
time.sleep(300)
"""
CHILD = """
import os, sys, time
from embeddings.encoders.parallel import die_with_parent
print(die_with_parent(os.getppid(), use_prctl=sys.argv[1] == "prctl"), flush=True)
time.sleep(300)
"""


def _gone(process: psutil.Process) -> bool:
    try:
        return process.status() == psutil.STATUS_ZOMBIE  # dead, not yet reaped by its new parent
    except psutil.NoSuchProcess:
        return True


@pytest.mark.parametrize("mechanism", ["prctl", "watchdog"])
def test_a_child_dies_when_its_parent_is_killed(mechanism: str) -> None:
    if mechanism == "prctl" and not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux only")
    parent = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(PARENT), textwrap.dedent(CHILD), mechanism],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    child: psutil.Process | None = None
    try:
        assert parent.stdout is not None
        child = psutil.Process(int(parent.stdout.readline()))
        assert parent.stdout.readline().strip() == mechanism  # armed
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 20  # a bound on waiting, not a speed requirement
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(child), f"{mechanism}: child {child.pid} outlived its killed parent"
    finally:
        parent.kill()
        if child is not None and not _gone(child):
            child.kill()  # a failed test leaves nothing running
