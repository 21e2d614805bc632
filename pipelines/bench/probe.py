"""One serving process, measured: ``python -m pipelines.bench.probe SPEC.json`` prints figures as JSON.

`haizhi bench` runs this in a fresh process per pool so the resident memory it reports is that of a
process serving the pool (the builder's generated records and buffers are not in it), and so the
engine and the bare "USE encode + FAISS top-10" floor are timed in the same process on the same
index file, one after the other.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.index.faiss_bare import INDEX_FILE, BareFaissSearch
from embeddings.index.storage import current_version, files_directory
from matcher.config import Settings
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher
from pipelines.bench.pool import VectorSource, pool_encoder

FILTERS = Filters(countries=["US", "DE", "GB"], languages=["en"])
PROFILE_LINES = 25


def percentiles_ms(samples: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean in milliseconds of durations given in seconds."""
    values = np.array(samples) * 1000.0
    return {
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
        "p99": round(float(np.percentile(values, 99)), 2),
        "mean": round(float(values.mean()), 2),
    }


def memory_mb() -> dict[str, float]:
    """This process's resident memory (VmRSS, its anonymous and file-backed parts, VmHWM) in MB."""
    fields = {"VmRSS": "rss", "RssAnon": "rss_anon", "RssFile": "rss_file", "VmHWM": "peak_rss"}
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            found[fields[name]] = round(int(value.split()[0]) / 1024.0, 1)
    return found


def timed(run: Callable[[str], Any], texts: Sequence[str]) -> list[float]:
    """Wall time of ``run`` on each text, in seconds."""
    durations = []
    for text in texts:
        started = time.perf_counter()
        run(text)
        durations.append(time.perf_counter() - started)
    return durations


def profile_summary(run: Callable[[str], Any], texts: Sequence[str]) -> str:
    """cProfile of ``run`` over ``texts``: the functions with the most cumulative time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for text in texts:
        run(text)
    profiler.disable()
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.strip_dirs().sort_stats("cumulative").print_stats(PROFILE_LINES)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


def probe(data_dir: Path, vectors: VectorSource, texts: Sequence[str], *, profile: bool) -> dict[str, Any]:
    """Load the pool at ``data_dir`` like a server, then time the engine and the bare floor."""
    started = time.perf_counter()
    settings = Settings(data_dir=data_dir, embedding_cache_dir=data_dir.parent / "cache")
    matcher = Matcher(settings, encoder=pool_encoder(vectors))
    experts = matcher.collection("experts")
    load_s = time.perf_counter() - started
    encoder = matcher.encoder
    for text in texts[:20]:  # warm-up: model load, first-touch pages
        matcher.recommend(text, k=10)
    after_load = memory_mb()
    engine = timed(lambda t: matcher.recommend(t, k=10, explain=True), texts)
    filtered = timed(lambda t: matcher.recommend(t, k=10, filters=FILTERS), texts[: max(len(texts) // 3, 10)])
    dense_dir = files_directory(current_version(settings.index_dir / "experts") / "dense", "vector index")
    result: dict[str, Any] = {
        "experts": len(experts),
        "index_kind": experts.dense.kind,
        "load_s": round(load_s, 2),
        "query_ms": percentiles_ms(engine),
        "filtered_query_ms": percentiles_ms(filtered),
        "memory_after_load_mb": after_load,
    }
    encode = timed(lambda t: encoder.encode_queries([t]), texts)
    result["encode_ms"] = percentiles_ms(encode)
    if (dense_dir / INDEX_FILE).is_file():
        bare = BareFaissSearch(
            dense_dir / INDEX_FILE,
            ef_search=getattr(experts.dense, "ef_search", 128),
            nprobe=getattr(experts.dense, "nprobe", 16),  # the engine's own setting, for IVF kinds
        )
        result["bare_ms"] = percentiles_ms(
            timed(lambda t: bare.search(encoder.encode_queries([t])[0]), texts)
        )
        result["ratio_p50"] = round(result["query_ms"]["p50"] / result["bare_ms"]["p50"], 2)
    if profile:
        result["profile"] = profile_summary(lambda t: matcher.recommend(t, k=10, explain=True), texts)
    result["memory_mb"] = memory_mb()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    """Read the probe spec (data_dir, vectors, texts, profile) from a JSON file; print the figures."""
    args = list(argv if argv is not None else sys.argv[1:])
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    figures = probe(Path(spec["data_dir"]), spec["vectors"], spec["texts"], profile=bool(spec.get("profile")))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
