"""Typed settings (environment variables ``HAIZHI_*`` or a ``.env`` file)."""

from __future__ import annotations

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
        index_kind: FAISS index type for experts: ``flat`` (exact), ``hnsw`` or ``ivf``.
        fusion: how dense and lexical candidates are fused: ``rrf`` or ``weighted``.
        ranker_params: optional JSON file with LinearRanker parameters (from tuning).
    """

    model_config = SettingsConfigDict(env_prefix="HAIZHI_", env_file=".env", extra="ignore")

    data_dir: Path = Path("var")
    database_url: str = ""
    encoder: str = "use"
    index_kind: Literal["flat", "hnsw", "ivf"] = "flat"
    fusion: Literal["rrf", "weighted"] = "rrf"
    rrf_k: int = Field(default=60, ge=1)
    dense_candidates: int = Field(default=200, ge=1)
    lexical_candidates: int = Field(default=200, ge=1)
    rerank_depth: int = Field(default=100, ge=1)
    search_threads: int = Field(default=1, ge=1)
    encoder_threads: int = Field(default=2, ge=1)
    ranker_params: Path | None = None
    embedding_cache_dir: Path | None = None

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
