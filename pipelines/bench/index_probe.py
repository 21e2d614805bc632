"""A serving process over saved vector indexes: ``python -m pipelines.bench.index_probe SPEC.json``.

`haizhi bench-index` runs this in a fresh interpreter so the memory it reports is that of a process
that only opened the indexes (memory-mapped, as a server does) and searched them, not the builder's.
It opens each index of the spec in turn (experts, then items: the items figures are of the process
holding both), runs the queries once to warm up and once timed (one query per call, k=10, one search
thread), saves the ids found and prints the figures as one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from embeddings.index.factory import INDEX_BACKENDS, backend_class, load_index, set_search_threads

__all__ = ["memory_mb", "probe"]


def memory_mb() -> dict[str, float]:
    """This process's VmRSS, RssAnon, RssFile and VmHWM (peak) from ``/proc/self/status``, in MB."""
    fields = {"VmRSS": "rss", "RssAnon": "rss_anon", "RssFile": "rss_file", "VmHWM": "peak_rss"}
    found: dict[str, float] = {}
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        name, _, value = line.partition(":")
        if name in fields:
            found[fields[name]] = round(int(value.split()[0]) / 1024.0, 1)
    return found


def _percentiles(seconds: Sequence[float]) -> dict[str, float]:
    values = np.array(seconds) * 1000.0
    return {
        "p50": round(float(np.percentile(values, 50)), 3),
        "p99": round(float(np.percentile(values, 99)), 3),
        "mean": round(float(values.mean()), 3),
    }


def probe(spec: dict[str, Any]) -> dict[str, Any]:
    """Open, query and measure the indexes of ``spec``.

    Args:
        spec: ``{"k": 10, "indexes": [{"role", "directory", "queries", "found"}, ...]}``: each index
            directory (saved with ``VectorIndex.save``), its ``.npy`` queries, and where to save the ids
            found (int64 ``(queries, k)``).
    """
    set_search_threads(1)
    threadpool_limits(limits=1, user_api="blas")  # as the server caps BLAS at its search threads
    for backend in INDEX_BACKENDS:  # import faiss before the baseline, so it is not counted as index
        backend_class(backend)
    k = int(spec.get("k", 10))
    figures: dict[str, Any] = {"baseline_memory_mb": memory_mb(), "indexes": []}
    opened = []  # keep every index open: the figures of the later ones include the earlier
    for entry in spec["indexes"]:
        started = time.perf_counter()
        index = load_index(Path(entry["directory"]), mmap=True)
        load_s = time.perf_counter() - started
        opened.append(index)
        after_load = memory_mb()
        queries = np.load(entry["queries"])
        for query in queries:  # warm-up pass: page in what the queries touch
            index.search(query, k)
        found = np.full((len(queries), k), -1, dtype=np.int64)
        durations = []
        for row, query in enumerate(queries):
            started = time.perf_counter()
            _, ids = index.search(query, k)
            durations.append(time.perf_counter() - started)
            found[row] = ids[0]
        np.save(entry["found"], found)
        figures["indexes"].append(
            {
                "role": entry["role"],
                "count": len(index),
                "load_s": round(load_s, 3),
                "memory_after_load_mb": after_load,
                "memory_after_queries_mb": memory_mb(),
                "search_ms": _percentiles(durations),
            }
        )
    return figures


def main(argv: Sequence[str] | None = None) -> None:
    """Read the spec JSON file named by the first argument; print the figures as one JSON line."""
    args = list(argv if argv is not None else sys.argv[1:])
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    print(json.dumps(probe(spec)))


if __name__ == "__main__":
    main()
