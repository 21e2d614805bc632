"""Shared fixtures: one real USE encoder per session and a demo data directory built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from embeddings.encoders import create_encoder
from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.service import Matcher

DEMO_DIR = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data"


@pytest.fixture(scope="session")
def use_encoder() -> Encoder:
    """The default multilingual encoder, loaded once (about a second)."""
    return create_encoder("use")


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory, use_encoder: Encoder) -> Path:
    """A data directory with the bundled demo data imported and indexed (treat as read-only)."""
    from pipelines.importer import import_file

    data_dir = tmp_path_factory.mktemp("demo-data")
    matcher = Matcher(Settings(data_dir=data_dir), encoder=use_encoder)
    for kind, name in (
        ("organizations", "organizations.csv"),
        ("sites", "sites.csv"),
        ("experts", "experts.csv"),
        ("demands", "demands.csv"),
    ):
        import_file(matcher.store, kind, DEMO_DIR / name)
    matcher.build_index()
    return data_dir


@pytest.fixture(scope="session")
def demo_matcher(demo_data_dir: Path, use_encoder: Encoder) -> Matcher:
    """A matcher over the demo data (do not write through it)."""
    return Matcher(Settings(data_dir=demo_data_dir), encoder=use_encoder)
