"""Benchmark pools: generated document vectors, pool re-use, re-indexing in another kind, bench reports."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders import create_encoder
from pipelines.bench.batch import run_batch_benchmark
from pipelines.bench.generated import GeneratedDocumentEncoder
from pipelines.bench.pool import open_pool
from pipelines.bench.pools import run_benchmark
from pipelines.distributed import ForkEngine

POOL = 150


@pytest.fixture(scope="module")
def use():  # type: ignore[no-untyped-def]
    return create_encoder("use", threads=1)


def test_generated_documents_are_seeded_clustered_unit_vectors(use) -> None:  # type: ignore[no-untyped-def]
    centres = ["深度学习 图像识别", "polymer membranes for water treatment", "锂电池 正极材料"]
    encoder = GeneratedDocumentEncoder(use, centres)
    texts = ["硅基负极", "graphene sensors", "硅基负极"]
    vectors = encoder.encode_documents(texts)
    assert vectors.shape == (3, use.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(vectors[0], vectors[2])  # the same text, the same vector
    assert not np.allclose(vectors[0], vectors[1])
    np.testing.assert_array_equal(encoder.encode_documents(["graphene sensors"])[0], vectors[1])
    # close to the mixture of two real centres, not uniform on the sphere
    assert float((encoder.centres @ vectors[1]).max()) > 0.6
    np.testing.assert_allclose(encoder.encode_queries(["硅基负极"]), use.encode_queries(["硅基负极"]))
    assert encoder.id != use.id and encoder.dim == use.dim


def test_a_pool_is_reused_and_reindexed_in_another_kind(tmp_path: Path) -> None:
    matcher, first = open_pool(
        POOL, index_kind="flat", work_dir=tmp_path, vectors="generated", show_progress=False
    )
    assert first.imported == POOL and first.embedded > POOL  # profiles and their items
    before = matcher.recommend("锂电池 正极材料 高镍", k=5, explain=False)
    assert len(before) == 5
    del matcher
    again, second = open_pool(
        POOL, index_kind="hnsw", work_dir=tmp_path, vectors="generated", show_progress=False
    )
    assert second.imported == 0 and second.embedded == 0 and second.reindex_s > 0
    experts = again.collection("experts")
    assert experts.dense.kind == "hnsw" and experts.items is not None and experts.items.kind == "hnsw"
    assert len(experts.dense) == POOL
    back, third = open_pool(
        POOL, index_kind="flat", work_dir=tmp_path, vectors="generated", show_progress=False
    )
    assert third.embedded == 0 and back.collection("experts").dense.kind == "flat"
    after = back.recommend("锂电池 正极材料 高镍", k=5, explain=False)
    assert [r.id for r in after] == [r.id for r in before]  # re-indexing changes no vector
    np.testing.assert_allclose([r.score for r in after], [r.score for r in before], atol=1e-5)


def test_bench_report_has_the_bare_floor_and_the_ratio(tmp_path: Path) -> None:
    markdown = run_benchmark(
        [POOL],
        queries=10,
        index_kinds=["flat"],
        out=tmp_path / "reports",
        work_dir=tmp_path,
        vectors="generated",
        profile=True,
    )
    report = json.loads(next((tmp_path / "reports").glob("bench-*.json")).read_text(encoding="utf-8"))
    serving = report["pools"][0]["serving"]
    assert serving["query_ms"]["p50"] > 0 and serving["bare_ms"]["p50"] > 0
    assert serving["ratio_p50"] == pytest.approx(
        serving["query_ms"]["p50"] / serving["bare_ms"]["p50"], rel=0.05
    )
    assert serving["memory_mb"]["rss"] > 0 and "cumtime" in serving["profile"]
    assert f"| {POOL} | generated | flat |" in markdown and "ratio" in markdown


def test_bench_batch_runs_the_nightly_over_every_demand(tmp_path: Path) -> None:
    markdown = run_batch_benchmark(
        POOL,
        demands=24,
        index_kind="flat",
        vectors="generated",
        sample=10,
        work_dir=tmp_path,
        out=tmp_path / "reports",
        engine=ForkEngine(workers=2),
    )
    result = json.loads(next((tmp_path / "reports").glob("bench-batch-*.json")).read_text(encoding="utf-8"))
    counts = result["nightly_counts"]
    assert counts["open_demands"] == 24 and counts["assigned_pairs"] > 0
    assert counts["match_engine"] == "fork" and "(engine fork)" in markdown
    # indexing a demand embeds its need text, so the nightly itself embeds nothing
    assert result["demand_texts_embedded"] >= 24 and result["queries_embedded"] == 0
    assert result["nightly_s"] > 0
    assert "nightly dry-run end to end" in markdown
