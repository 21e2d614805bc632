"""Record and index commands: ``haizhi init``, ``import``, ``export``, ``build-index`` and ``dedup``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from matcher.domain.records import RECORD_TYPES
from matcher.service import Matcher
from pipelines.cli.engine import EngineName, RayAddress, open_engine
from pipelines.cli.ops import DataDir, fail, settings_for

KINDS = tuple(RECORD_TYPES)


def init(data_dir: DataDir = None) -> None:
    """Create the data directory and the database schema."""
    from matcher.store import Store

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    Store(settings.resolved_database_url).create_schema()
    typer.echo(f"initialised {settings.resolved_database_url}")


def import_(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX or JSONL file.")],
    data_dir: DataDir = None,
    index: Annotated[bool, typer.Option(help="Update the search indexes afterwards.")] = False,
) -> None:
    """Import records (all-or-nothing; every problem is reported as file:row:column: reason)."""
    from matcher.ingest.importer import ImportFileError, import_file
    from matcher.store import DatabaseDriverError

    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        matcher = Matcher(settings)
        report = import_file(matcher.store, kind, file)
    except ImportFileError as error:
        raise fail(str(error)) from None
    except DatabaseDriverError as error:  # unreachable or refusing database; the import is one transaction
        cause = " ".join(str(error.orig).split()) or type(error.orig).__name__
        raise fail(f"{file}: cannot import into the database ({cause}); nothing was written") from None
    typer.echo(str(report))  # the report starts with the file name
    if index and kind in ("experts", "demands"):
        typer.echo(build_summary(matcher.build_index(show_progress=True)))


def export(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    file: Annotated[Path, typer.Argument(dir_okay=False, help="Output .csv or .xlsx.")],
    data_dir: DataDir = None,
) -> None:
    """Export records to CSV (UTF-8 with BOM) or XLSX."""
    from matcher.ingest.exporter import export_records
    from matcher.store import Store

    if kind not in KINDS:
        raise fail(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    store = Store(settings_for(data_dir).resolved_database_url)
    count = export_records(store, kind, file)
    typer.echo(f"wrote {count} {kind} to {file}")


def build_index(
    data_dir: DataDir = None,
    full: Annotated[
        bool, typer.Option(help="Rebuild from scratch instead of updating changed records.")
    ] = False,
    engine: EngineName = "local",
    ray_address: RayAddress = None,
) -> None:
    """Embed experts and demands and build the FAISS + BM25 indexes."""
    matcher = Matcher(settings_for(data_dir))
    with open_engine(engine, ray_address) as chosen:
        built = matcher.build_index(full=full, show_progress=True, bulk_encoder=chosen.bulk_encoder(matcher))
    typer.echo(build_summary(built))


def build_summary(report: object) -> str:
    """One line with the added/updated/removed/unchanged counts and the embedding cache hits."""
    experts, demands = report.experts, report.demands  # type: ignore[attr-defined]
    return (
        f"experts: +{experts.added} ~{experts.updated} -{experts.removed} ={experts.unchanged}; "
        f"demands: +{demands.added} ~{demands.updated} -{demands.removed} ={demands.unchanged}; "
        f"embedding cache hits {report.cache_hits}, misses {report.cache_misses}"  # type: ignore[attr-defined]
    )


def dedup(
    merge: Annotated[
        bool, typer.Option(help="Merge the candidates found (keeps the first of each pair).")
    ] = False,
    threshold: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.85,
    data_dir: DataDir = None,
) -> None:
    """Report (and optionally merge) likely duplicate experts."""
    from matcher.dedup.duplicates import find_duplicates, merge_experts
    from matcher.domain.records import Expert

    matcher = Matcher(settings_for(data_dir))
    experts = [e for e in matcher.store.records.list("experts") if isinstance(e, Expert)]
    candidates = find_duplicates(experts, threshold=threshold)
    for c in candidates:
        typer.echo(f"{c.keep_id} ⇐ {c.drop_id}  score {c.score:.2f}  ({'; '.join(c.reasons)})")
    typer.echo(f"{len(candidates)} candidate merges")
    if merge and candidates:
        merged = 0
        for keep_id, drop_id in merge_plan([(c.keep_id, c.drop_id) for c in candidates]):
            merge_experts(matcher.store, keep_id, drop_id)
            merged += 1
        matcher.build_index()
        typer.echo(f"merged {merged} experts into their duplicates and updated the indexes")


def merge_plan(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Order merges so chains (A⇐B, B⇐C) collapse into one kept record: every drop merges into its root."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for keep, drop in pairs:
        keep_root, drop_root = root(keep), root(drop)
        if keep_root != drop_root:
            parent[drop_root] = keep_root
    return [(root(node), node) for node in parent if root(node) != node]
