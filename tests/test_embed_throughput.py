"""Bulk embedding for index builds: each distinct text once, nothing from a warm cache, resume after a
kill, the same vectors as one unbatched encoder call, worker processes fed by a stream, progress bars.

The encoder is the real USE model; `CountingUSE` only records which texts reach it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache.session import EmbedSession
from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.parallel import ParallelEncoder
from embeddings.encoders.use import USEEncoder
from embeddings.text.glossary import Glossary
from matcher.domain.records import Expert
from matcher.retrieval.collection import Collection
from matcher.retrieval.corpus import item_ids
from matcher.retrieval.embedding import BATCH_RECORDS
from matcher.retrieval.profiles import Analyzer
from pipelines.demo.generator import generate_experts

ROOT = Path(__file__).resolve().parents[1]
SHARED = "Shared review: solid-state lithium batteries for grid storage (2021)"


class CountingUSE(USEEncoder):
    """The real USE encoder, recording every text it embeds."""

    def __init__(self) -> None:
        super().__init__(threads=1)
        self.embedded: list[str] = []

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        self.embedded.extend(texts)
        return super().encode_documents(texts, batch_size=batch_size, show_progress=show_progress)


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.fixture(scope="module")
def experts() -> list[Expert]:
    """Generated experts; every fifth also lists one shared publication."""
    out = generate_experts(40)
    return [
        e.model_copy(update={"publications": [*e.publications, SHARED]}) if i % 5 == 0 else e
        for i, e in enumerate(out)
    ]


def _texts(analyzer: Analyzer, experts: list[Expert]) -> list[str]:
    analyses = [analyzer.analyze_expert(e) for e in experts]
    return [t for a in analyses for t in (a.text, *a.items)]


def _build(
    experts: list[Expert], analyzer: Analyzer, encoder: object, cache: EmbeddingCache | None
) -> Collection:
    collection = Collection.empty("experts", USEEncoder())
    collection.upsert(list(enumerate(experts, start=1)), analyzer, encoder, cache=cache)  # type: ignore[arg-type]
    return collection


def test_each_distinct_text_is_embedded_once_and_a_warm_cache_embeds_nothing(
    tmp_path: Path, analyzer: Analyzer, experts: list[Expert]
) -> None:
    texts = _texts(analyzer, experts)
    counting = CountingUSE()
    cache = EmbeddingCache(tmp_path / "cache")
    _build(experts, analyzer, counting, cache)
    assert texts.count(SHARED) == 8
    assert counting.embedded.count(SHARED) == 1  # shared by eight experts, embedded once
    assert sorted(counting.embedded) == sorted(set(texts))
    cache.save()

    again = CountingUSE()
    _build(experts, analyzer, again, EmbeddingCache(tmp_path / "cache"))  # a new process's cache
    assert again.embedded == []


def test_session_gives_one_slot_per_distinct_text(tmp_path: Path) -> None:
    counting = CountingUSE()
    with EmbedSession(counting, "document", None, chunk_size=4) as session:
        first = session.add(["a", "b", "a", "c"])
        second = session.add(["c", "d", "b"])
    assert first.tolist() == [0, 1, 0, 2] and second.tolist() == [2, 3, 1]
    assert counting.embedded == ["a", "b", "c", "d"]
    assert (session.stats.texts, session.stats.distinct, session.stats.embedded) == (7, 4, 4)
    np.testing.assert_allclose(
        session.vectors(np.array([3, 0])), USEEncoder(threads=1).encode_documents(["d", "a"]), atol=1e-5
    )


def test_streamed_build_over_workers_equals_one_unbatched_encoder_call(
    tmp_path: Path, analyzer: Analyzer, use_encoder: USEEncoder
) -> None:
    experts = generate_experts(BATCH_RECORDS + 40)  # two analysis batches, many chunks in flight
    rows = list(enumerate(experts, start=1))
    analyses = [analyzer.analyze_expert(e) for e in experts]
    with ParallelEncoder(use_encoder, "use", workers=2, min_parallel=1, chunk_size=16) as parallel:
        collection = Collection.empty("experts", use_encoder)
        collection.upsert(rows, analyzer, parallel, cache=EmbeddingCache(tmp_path / "cache"))
    pks = np.arange(1, len(experts) + 1, dtype=np.int64)
    expected = use_encoder.encode_documents([a.text for a in analyses])
    np.testing.assert_allclose(collection.dense.reconstruct(pks), expected, atol=1e-5)
    keys = item_ids(pks, np.array([len(a.items) for a in analyses]))
    assert collection.items is not None
    items = use_encoder.encode_documents([t for a in analyses for t in a.items])
    np.testing.assert_allclose(collection.items.reconstruct(keys), items, atol=1e-5)


BUILD = """
import sys
from pathlib import Path
from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.use import USEEncoder
from matcher.retrieval.collection import Collection
from matcher.retrieval.profiles import Analyzer
from pipelines.demo.generator import generate_experts

experts = generate_experts(int(sys.argv[2]))
encoder = USEEncoder(threads=1)
cache = EmbeddingCache(Path(sys.argv[1]), checkpoint_every=16)
rows = list(enumerate(experts, start=1))
Collection.empty("experts", encoder).upsert(rows, Analyzer(), encoder, cache=cache)
print("finished", flush=True)
"""


def test_a_build_killed_midway_resumes_embedding_only_the_rest(tmp_path: Path, analyzer: Analyzer) -> None:
    experts = generate_experts(120)
    distinct = set(_texts(analyzer, experts))
    cache_dir = tmp_path / "cache"
    build = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(BUILD), str(cache_dir), str(len(experts))],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300  # a bound for a busy machine, not a speed check
        while time.monotonic() < deadline:
            assert build.poll() is None, "the build ended before half was checkpointed"
            if EmbeddingCache(cache_dir).count(USEEncoder().id) >= len(distinct) // 2:
                break
            time.sleep(0.05)
        os.kill(build.pid, signal.SIGKILL)
        build.wait(timeout=30)
    finally:
        build.kill()
    checkpointed = EmbeddingCache(cache_dir).count(USEEncoder().id)
    assert len(distinct) // 2 <= checkpointed < len(distinct)

    counting = CountingUSE()
    collection = _build(experts, analyzer, counting, EmbeddingCache(cache_dir))
    assert len(counting.embedded) == len(set(counting.embedded)) == len(distinct) - checkpointed
    assert len(collection) == len(experts)


PROGRESS = """
import sys
from embeddings.encoders.use import USEEncoder
from matcher.retrieval.collection import Collection
from matcher.retrieval.profiles import Analyzer
from pipelines.demo.generator import generate_experts

encoder = USEEncoder(threads=1)
rows = list(enumerate(generate_experts(6), start=1))
Collection.empty("experts", encoder).upsert(rows, Analyzer(), encoder, show_progress=sys.argv[1] == "on")
"""


def _stderr_on_a_terminal(flag: str) -> str:
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120-column terminal
    try:
        subprocess.run(
            [sys.executable, "-c", textwrap.dedent(PROGRESS), flag],
            cwd=ROOT,
            stderr=follower,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=300,
        )
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(leader)


def test_progress_bar_with_eta_is_drawn_on_a_terminal_only_when_asked() -> None:
    shown = _stderr_on_a_terminal("on")
    assert "index experts" in shown and "6/6" in shown and "expert/s" in shown
    assert "index experts" not in _stderr_on_a_terminal("off")
    piped = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PROGRESS), "on"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert piped.returncode == 0 and "index experts" not in piped.stderr  # not a terminal: no bar


def test_term_matching_per_run_matches_mixed_script_terms_and_repeats_identically() -> None:
    glossary = Glossary.load()
    text = "研究5g通信与大规模mimo，以及生成式ai和ai芯片。5g通信"
    first = [(h.concept_id, h.surface, h.start, h.end) for h in glossary.find(text)]
    assert [surface for _, surface, _, _ in first] == ["5g通信", "大规模mimo", "生成式ai", "ai芯片", "5g通信"]
    again = [(h.concept_id, h.surface, h.start, h.end) for h in glossary.find(text)]  # runs now remembered
    assert again == first
