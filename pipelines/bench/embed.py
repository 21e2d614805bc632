"""``haizhi bench-embed``: index-build embedding throughput against the bare encoder, in one run.

On ``n`` generated experts in a temporary data directory it measures, in this order:

1. the bare encoder rate: USE alone on a sample of the build's distinct texts, in one process, then
   over ``cores`` worker processes (pool started and warm, so start-up is not counted);
2. the end-to-end ``build_index`` from an empty cache (analysis, embedding, indexing, saving): wall
   time, CPU time of this process and of the workers, distinct texts embedded;
3. the ratio of (2) to bare rate × cores, by wall time and by CPU time (the CPU ratio does not move
   when other work shares the machine);
4. a rebuild from the cache (``--full``: re-analyse everything, embed nothing);
5. crash and resume: a build in a child process killed (SIGKILL) once about half of the distinct
   texts are checkpointed, then resumed here; the resumed build must embed only what no checkpoint held.

Writes ``embed-<n>.md`` and ``embed-<n>.json`` under ``--out`` and prints the table.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Annotated, Any

import typer

_SAMPLE_ONE = 800  # texts for the one-process rate (~6 s)
_SAMPLE_ALL = 3000  # texts for the all-cores rate
_KILL_SHARE = 0.5
_CHILD = """
import sys
from pathlib import Path
from embeddings.cache.store import EmbeddingCache
from matcher.config import Settings
from matcher.service import Matcher

if __name__ == "__main__":
    settings = Settings(data_dir=Path(sys.argv[1]), embed_workers=int(sys.argv[2]), encoder_threads=1)
    matcher = Matcher(settings)
    matcher.cache = EmbeddingCache(settings.cache_dir, checkpoint_every=1024)
    matcher.build_index(full=True)
"""


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the reaped workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _bare(texts: list[str], cores: int) -> dict[str, float]:
    from embeddings.encoders import create_encoder
    from embeddings.encoders.parallel import ParallelEncoder

    encoder = create_encoder("use", threads=1)
    one = texts[: min(_SAMPLE_ONE, len(texts))]
    encoder.encode_documents(one[:8])  # load the model outside the timing
    cpu, started = time.process_time(), time.perf_counter()
    encoder.encode_documents(one)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    result = {
        "texts_one": len(one),
        "one_rate": len(one) / wall,
        "one_cpu_per_text_ms": 1000 * cpu / len(one),
    }
    sample = texts[: min(_SAMPLE_ALL, len(texts))]
    with ParallelEncoder(encoder, "use", cores, min_parallel=1, encoder_kwargs={"threads": 1}) as parallel:
        parallel.encode_documents(sample[: 4 * cores])  # start and warm every worker
        started = time.perf_counter()
        parallel.encode_documents(sample)
        result["texts_all"] = len(sample)
        result["all_rate"] = len(sample) / (time.perf_counter() - started)
    return result


def _build(settings: Any, *, full: bool) -> dict[str, float]:
    from matcher.service import Matcher

    matcher = Matcher(settings)
    cpu, started = _cpu(), time.perf_counter()
    report = matcher.build_index(full=full, show_progress=True)
    wall = time.perf_counter() - started
    return {
        "wall_s": wall,
        "cpu_s": _cpu() - cpu,
        "embedded": report.cache_misses,
        "cached": report.cache_hits,
    }


def _crash_resume(settings: Any, distinct: int, cores: int) -> dict[str, float]:
    from embeddings.cache.store import EmbeddingCache
    from embeddings.encoders import create_encoder
    from matcher.service import Matcher

    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    encoder_id = create_encoder("use").id
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_CHILD), str(settings.data_dir), str(cores)],
        cwd=settings.data_dir,
        stdout=subprocess.DEVNULL,
    )
    checkpointed = 0
    try:
        while child.poll() is None:
            time.sleep(1.0)
            checkpointed = EmbeddingCache(settings.cache_dir).count(encoder_id)
            if checkpointed >= _KILL_SHARE * distinct:
                os.kill(child.pid, signal.SIGKILL)
                break
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    time.sleep(2.0)  # the workers follow their parent (death signal)
    checkpointed = EmbeddingCache(settings.cache_dir).count(encoder_id)
    started = time.perf_counter()
    resumed = Matcher(settings).build_index(full=True, show_progress=True)
    return {
        "killed_at_checkpointed": checkpointed,
        "resume_embedded": resumed.cache_misses,
        "expected_embedded": distinct - checkpointed,
        "resume_wall_s": time.perf_counter() - started,
    }


def run_embed_benchmark(n: int, out: Path, *, cores: int | None = None, crash: bool = True) -> str:
    """Run the benchmark on ``n`` generated experts; write the report files and return the markdown."""
    from matcher.config import Settings
    from matcher.retrieval.profiles import Analyzer
    from matcher.service import Matcher
    from pipelines.demo.generator import generate_experts

    cores = cores or max(len(os.sched_getaffinity(0)), 1)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"bench-embed-{n}-"))
    settings = Settings(data_dir=work, embed_workers=cores, encoder_threads=1)
    figures: dict[str, Any] = {"experts": n, "cores": cores, "load_start": _load()}
    try:
        experts = generate_experts(n)
        Matcher(settings).store.records.upsert("experts", experts)
        analyzer = Analyzer()
        texts = [t for e in experts for a in [analyzer.analyze_expert(e)] for t in (a.text, *a.items)]
        distinct = list(dict.fromkeys(texts))
        figures |= {"texts": len(texts), "distinct": len(distinct)}
        step = max(len(distinct) // _SAMPLE_ALL, 1)  # a sample spread over the whole pool
        figures["bare"] = _bare(distinct[::step], cores)
        figures["load_after_bare"] = _load()
        figures["build"] = _build(settings, full=True)
        figures["load_after_build"] = _load()
        figures["cached_rebuild"] = _build(settings, full=True)
        if crash:
            figures["crash_resume"] = _crash_resume(settings, len(distinct), cores)
        figures["load_end"] = _load()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    markdown = _markdown(figures)
    (out / f"embed-{n}.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    (out / f"embed-{n}.md").write_text(markdown, encoding="utf-8")
    return markdown


def _markdown(f: dict[str, Any]) -> str:
    bare, build, cached = f["bare"], f["build"], f["cached_rebuild"]
    rate = build["embedded"] / build["wall_s"]
    floor = bare["one_rate"] * f["cores"]
    cpu_per_text = 1000 * build["cpu_s"] / max(build["embedded"], 1)
    rows = [
        ("experts / cores", f"{f['experts']} / {f['cores']}"),
        ("texts (profiles + items) / distinct", f"{f['texts']} / {f['distinct']}"),
        (
            "bare USE, 1 process",
            f"{bare['one_rate']:.1f} texts/s ({bare['one_cpu_per_text_ms']:.2f} ms CPU/text)",
        ),
        (f"bare USE, {f['cores']} processes", f"{bare['all_rate']:.1f} texts/s"),
        (
            "build-index from empty cache",
            f"{build['wall_s']:.1f} s wall, {build['cpu_s']:.1f} s CPU (all processes)",
        ),
        (
            "texts embedded by the build",
            f"{build['embedded']} ({build['embedded'] / f['texts']:.1%} of all texts)",
        ),
        ("end-to-end rate", f"{rate:.1f} distinct texts/s ({cpu_per_text:.2f} ms CPU/text)"),
        ("ratio to bare 1-process rate × cores (wall)", f"{rate / floor:.1%}"),
        (f"ratio to bare {f['cores']}-process rate (wall)", f"{rate / bare['all_rate']:.1%}"),
        ("ratio of bare to end-to-end CPU per text", f"{bare['one_cpu_per_text_ms'] / cpu_per_text:.1%}"),
        ("cached rebuild (--full)", f"{cached['wall_s']:.1f} s, {cached['embedded']} texts embedded"),
    ]
    if "crash_resume" in f:
        c = f["crash_resume"]
        rows.append(
            (
                "crash (SIGKILL) and resume",
                f"{c['killed_at_checkpointed']} checkpointed at the kill; resume embedded "
                f"{c['resume_embedded']} (expected {c['expected_embedded']}) in {c['resume_wall_s']:.1f} s",
            )
        )
    loads = ", ".join(f"{f[k]}" for k in ("load_start", "load_after_bare", "load_after_build", "load_end"))
    rows.append(("1-min load average (start, after bare, after build, end)", loads))
    table = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"# Embedding throughput, {f['experts']} experts\n\n| figure | value |\n|---|---|\n{table}\n"


def bench_embed_command(
    experts: Annotated[int, typer.Option(help="Generated experts to index.")] = 10_000,
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
    cores: Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")] = None,
    crash: Annotated[bool, typer.Option(help="Also measure a killed and resumed build.")] = True,
) -> None:
    """Benchmark index-build embedding against the bare encoder rate × cores; writes a report."""
    typer.echo(run_embed_benchmark(experts, out, cores=cores, crash=crash))
