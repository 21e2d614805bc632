"""Typed settings (environment variables ``HAIZHI_*`` or a ``.env`` file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where data lives and how matching is configured.

    Attributes:
        data_dir: the embedded default's data directory (SQLite file, index files, caches, outbox).
        database_url: any SQLAlchemy URL; empty means ``sqlite:///<data_dir>/haizhi.db``.
        encoder: ``use`` (multilingual USE v3, default) or ``st:<local model path>``.
        index_kind: FAISS index type for experts: ``flat`` (exact), ``hnsw``, ``ivf`` or ``ivfpq``
            (compressed codes + exact re-scoring from a memory-mapped float file, for 1M experts).
        fusion: how dense and lexical candidates are fused: ``zscore`` (default), ``rrf`` or ``weighted``.
        item_weight: share of the decayed item (publication) cosine in an expert's dense score.
        item_decay: decay of the further items' cosine excess in an expert's dense score (0: best only).
        lexical_item_weight: share of the decayed per-item BM25 in the fused lexical signal.
        lexical_item_decay: decay of the sum over an expert's best per-item BM25 scores.
        ranker_params: optional JSON file with LinearRanker parameters (from tuning).
        index_mmap: map the saved vector indexes read-only (shared by every server process through
            the page cache) and keep writes in a small in-memory layer until the next saved version;
            `haizhi serve --workers N` turns it on (docs/serving.md).
        index_poll_seconds: with ``index_mmap``, how often a server process checks the database and the
            saved index version for changes made by other processes (0 turns following off).
    """

    model_config = SettingsConfigDict(env_prefix="HAIZHI_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    encoder: str = "use"
    index_kind: Literal["flat", "hnsw", "ivf", "ivfpq"] = "flat"
    fusion: Literal["rrf", "weighted", "zscore"] = "zscore"
    rrf_k: int = Field(default=60, ge=1)
    dense_candidates: int = Field(default=200, ge=1)
    lexical_candidates: int = Field(default=200, ge=1)
    rerank_depth: int = Field(default=100, ge=1)
    search_threads: int = Field(default=1, ge=1)
    # one BLAS thread: on 2 cores a second thread only adds contention, and single queries are
    # several times slower with it when the machine is busy
    encoder_threads: int = Field(default=1, ge=1)
    # index builds embed in this many processes (each one thread); 1 keeps everything in-process
    embed_workers: int = Field(default=2, ge=1)
    load_cache_seconds: float = Field(default=30.0, ge=0)
    ranker_params: Path | None = None
    # fusion weights (issue 5: written by `haizhi tune` next to rrf_k and fusion)
    dense_weight: float = Field(default=1.0, ge=0.0)
    lexical_weight: float = Field(default=1.0, ge=0.0)
    # experts as sets of texts (chosen on the public quality suite, docs/quality.md)
    item_weight: float = Field(default=1.0, ge=0.0, le=1.0)
    item_decay: float = Field(default=0.7, ge=0.0, le=1.0)
    lexical_item_weight: float = Field(default=1.0, ge=0.0, le=1.0)
    lexical_item_decay: float = Field(default=0.85, ge=0.0, le=1.0)
    embedding_cache_dir: Path | None = None
    # operations (issue 6): station evaluation weights JSON, stale-profile age, gap threshold
    station_evaluation: Path | None = None
    stale_after_months: int = Field(default=18, ge=1)
    gap_dense_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    # nightly batch (issue 4): outbox for --dry-run, capacity/diversity limits; its SMTP settings
    # are the nightly's own (`pipelines.nightly.settings.NightlySettings`)
    nightly_k: int = Field(default=10, ge=1)
    nightly_depth: int = Field(default=30, ge=1)
    nightly_cap: int = Field(default=5, ge=1)
    nightly_org_limit: int = Field(default=2, ge=1)
    nightly_org_key: Literal["organizations", "affiliation"] = "organizations"
    outbox_dir: Path | None = None
    # many server processes over one set of index files (docs/serving.md)
    index_mmap: bool = False
    index_poll_seconds: float = Field(default=2.0, ge=0.0, le=3600.0)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to the SQLite file in the data directory."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'haizhi.db').as_posix()}"

    @property
    def index_dir(self) -> Path:
        """Directory holding the FAISS and BM25 index files with their manifests."""
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        """Directory of the embedding cache (``embedding_cache_dir`` or ``<data_dir>/cache``)."""
        return self.embedding_cache_dir or self.data_dir / "cache"


def project_data_dir(start: Path | None = None) -> Path:
    """The data directory analysts mean: ``HAIZHI_DATA_DIR``, else ``var`` in the project root.

    The root is the nearest directory at or above ``start`` (the working directory) holding this
    project's ``pyproject.toml``, so a notebook opened from ``notebooks/`` finds the project's ``var``
    rather than ``notebooks/var``; outside a checkout it is ``./var``.
    """
    configured = os.environ.get("HAIZHI_DATA_DIR")
    if configured:
        return Path(configured)
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        marker = folder / "pyproject.toml"
        if marker.is_file() and 'name = "haizhi-match"' in marker.read_text(encoding="utf-8"):
            return folder / "var"
    return here / "var"
