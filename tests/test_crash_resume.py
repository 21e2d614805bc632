"""A real index build killed with SIGKILL mid-embedding leaves no process behind and loses no checkpoint.

The build runs in its own Python process with two embedding workers (the production path: `Matcher`
→ `ParallelEncoder` over a spawned pool); the test kills that process once the first checkpoint is on
disk, waits (bounded) for its workers and the multiprocessing resource tracker to go, and re-runs the
build, which embeds only what the checkpoints do not hold.
"""

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

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.retrieval.profiles import Analyzer
from matcher.service import Matcher
from pipelines.demo.generator import generate_experts

EXPERTS = 150
CHECKPOINT_EVERY = 32  # small, so the first checkpoint lands while most of the build is still ahead
BUILD = """
import sys
from pathlib import Path
from embeddings.cache.store import EmbeddingCache
from matcher.config import Settings
from matcher.service import Matcher

settings = Settings(data_dir=Path(sys.argv[1]), embed_workers=2)
matcher = Matcher(settings)
matcher.cache = EmbeddingCache(settings.cache_dir, checkpoint_every=int(sys.argv[2]))
matcher.build_index()
print("finished", flush=True)
"""


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def _alive(process: psutil.Process) -> bool:
    try:  # is_running() also compares the start time, so a reused pid does not count
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_for_checkpoint(build: subprocess.Popen[str], cache_dir: Path) -> list[psutil.Process]:
    """Wait until the build has written a checkpoint with its workers running; return its descendants."""
    deadline = time.monotonic() + 300  # model loading on a busy machine; a bound, not a speed check
    while time.monotonic() < deadline:
        assert build.poll() is None, "the build ended before it could be killed: use more experts"
        children = _descendants(build.pid)
        commands = [" ".join(child.cmdline()) for child in children]
        workers = sum("spawn_main" in command for command in commands)
        if workers == 2 and list(cache_dir.rglob("segment-*.npy")):
            assert any("resource_tracker" in command for command in commands), commands
            return children
        time.sleep(0.05)
    raise AssertionError("no checkpoint within the time limit")


def test_killed_build_leaves_no_process_and_the_rerun_resumes(tmp_path: Path, use_encoder: Encoder) -> None:
    settings = Settings(data_dir=tmp_path / "data", embed_workers=1)
    experts = generate_experts(EXPERTS)
    Matcher(settings, encoder=use_encoder).store.records.upsert("experts", experts)
    analyzer = Analyzer()
    analyses = [analyzer.analyze_expert(expert) for expert in experts]
    distinct = len({text for a in analyses for text in (a.text, *a.items)})

    build = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(BUILD), str(settings.data_dir), str(CHECKPOINT_EVERY)],
        cwd=tmp_path,  # no .env of the checkout
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        descendants = _wait_for_checkpoint(build, settings.cache_dir)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(_alive(p) for p in descendants) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors = [" ".join(p.cmdline()) for p in descendants if _alive(p)]
        assert survivors == [], f"processes outlived the killed build: {survivors}"
    finally:
        build.kill()
        for process in descendants if "descendants" in locals() else []:
            if _alive(process):
                process.kill()

    checkpointed = EmbeddingCache(settings.cache_dir).count(use_encoder.id)
    assert 0 < checkpointed < distinct
    # the first experts' profile texts are embedded first: they come from the killed build's checkpoint
    first = [a.text for a in analyses[:20]]
    reader = EmbeddingCache(settings.cache_dir)
    np.testing.assert_allclose(
        reader.encode(use_encoder, first), use_encoder.encode_documents(first), atol=1e-5
    )
    assert reader.misses == 0

    report = Matcher(settings, encoder=use_encoder).build_index()
    assert report.experts.added == EXPERTS
    assert report.cache_misses == distinct - checkpointed  # only what the checkpoints did not hold
