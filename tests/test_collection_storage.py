"""A collection is saved as one version behind one CURRENT pointer: consistent, crash-safe, cleaned up."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.retrieval.collection import Collection, CollectionKind, record_hash
from matcher.retrieval.corpus import Corpus
from matcher.service import Matcher

ROOT = Path(__file__).resolve().parents[1]
KINDS: tuple[CollectionKind, ...] = ("experts", "demands")


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(demo_data_dir, copy)
    return copy


def pointers(directory: Path) -> list[Path]:
    return sorted(directory.rglob("CURRENT"))


def versions(directory: Path) -> list[str]:
    return sorted(
        entry.name for entry in directory.iterdir() if entry.is_dir() and entry.name.startswith("v")
    )


def signature(collection: Collection) -> tuple[object, ...]:
    """What a reader sees of a collection: ids of every index, corpus and manifest stamp."""
    assert collection.items is not None and collection.item_lexical is not None
    return (
        collection.dense.ids().tolist(),
        len(collection.lexical),
        collection.items.ids().tolist(),
        len(collection.item_lexical),
        sorted(collection.corpus.hashes().items()),
        collection.store_stamp,
    )


def test_one_current_pointer_per_collection_after_build_and_incremental_saves(
    data_dir: Path, use_encoder: Encoder
) -> None:
    index_dir = data_dir / "index"
    for kind in KINDS:
        assert pointers(index_dir / kind) == [index_dir / kind / "CURRENT"]
    matcher = Matcher(Settings(data_dir=data_dir, embed_workers=1), encoder=use_encoder)
    expert = matcher.store.records.list("experts", limit=1)[0]
    assert isinstance(expert, Expert)
    for round_number in range(3):  # incremental build, then write-through saves
        changed = expert.model_copy(update={"bio": f"{expert.bio} Round {round_number}."})
        matcher.store.records.upsert("experts", [changed])
        if round_number == 0:
            assert matcher.build_index().experts.updated == 1
        else:
            matcher.index_records("experts", [expert.id])
        assert pointers(index_dir / "experts") == [index_dir / "experts" / "CURRENT"]
        assert len(versions(index_dir / "experts")) == 2  # live + previous (a reader may be mid-load)
    live = (index_dir / "experts" / "CURRENT").read_text()
    assert sorted(p.name for p in (index_dir / "experts" / live).iterdir()) == [
        "collection.json",
        "corpus.json",
        "dense",
        "item_lexical",
        "items",
        "lexical",
    ]
    saved = Collection.load("experts", index_dir / "experts", use_encoder.id).corpus.hashes()[expert.id]
    assert saved == matcher.collection("experts").corpus.hashes()[expert.id] != record_hash(expert)


@pytest.mark.parametrize("failure", [OSError("No space left on device"), KeyboardInterrupt()])
def test_a_save_failing_midway_leaves_the_previous_version_live(
    data_dir: Path, use_encoder: Encoder, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    directory = data_dir / "index" / "experts"
    collection = Collection.load("experts", directory, use_encoder.id)
    before = signature(collection)
    collection.remove([collection.corpus.entries()[0].id])
    real_save = Corpus.save

    def save_then_fail(corpus: Corpus, path: Path) -> None:
        real_save(corpus, path)  # the indexes and the corpus are on disk, the manifest not yet
        raise failure

    monkeypatch.setattr(Corpus, "save", save_then_fail)
    with pytest.raises(type(failure)):
        collection.save(directory)
    assert signature(Collection.load("experts", directory, use_encoder.id)) == before
    assert pointers(directory) == [directory / "CURRENT"]
    assert not [entry for entry in directory.iterdir() if entry.name.startswith(".tmp")]
    monkeypatch.undo()
    collection.save(directory)  # the next save goes through
    assert signature(Collection.load("experts", directory, use_encoder.id)) == signature(collection)


def test_a_process_killed_mid_save_leaves_the_previous_version_live(
    data_dir: Path, use_encoder: Encoder
) -> None:
    directory = data_dir / "index" / "experts"
    before = signature(Collection.load("experts", directory, use_encoder.id))
    killed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from pathlib import Path\n"
            "from matcher.retrieval.collection import Collection\n"
            "from matcher.retrieval.corpus import Corpus\n"
            "collection = Collection.load('experts', Path(sys.argv[1]), sys.argv[2])\n"
            "collection.remove([collection.corpus.entries()[0].id])\n"
            "Corpus.save = lambda corpus, path: os._exit(9)\n"  # killed after the indexes were written
            "collection.save(Path(sys.argv[1]))\n",
            str(directory),
            use_encoder.id,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert killed.returncode == 9, killed.stderr
    assert [entry for entry in directory.iterdir() if entry.name.startswith(".tmp")]  # the half-written one
    assert signature(Collection.load("experts", directory, use_encoder.id)) == before
    assert pointers(directory) == [directory / "CURRENT"]


def write_layout_1(collection: Collection, directory: Path) -> str:
    """Save ``collection`` as the layout-1 code did: every index versioned again inside the version."""
    name = "v20250101T000000000000-abcd1234"
    version = directory / name
    version.mkdir(parents=True)
    checksum = collection.corpus.checksum()
    collection.dense.save(version / "dense", checksum=checksum)
    collection.lexical.save(version / "lexical")
    if collection.items is not None and collection.item_lexical is not None:
        collection.items.save(version / "items", checksum=checksum)
        collection.item_lexical.save(version / "item_lexical")
    collection.corpus.save(version / "corpus.json")
    manifest = {"kind": collection.kind, "count": len(collection.corpus), "checksum": checksum}
    manifest |= {"analyzer": collection.analyzer_fingerprint, "store_stamp": collection.store_stamp}
    (version / "collection.json").write_text(json.dumps(manifest), encoding="utf-8")
    (directory / "CURRENT").write_text(name, encoding="utf-8")
    return name


def test_a_collection_saved_by_layout_1_loads_and_is_migrated_by_saving(
    data_dir: Path, use_encoder: Encoder, tmp_path: Path
) -> None:
    current = Collection.load("experts", data_dir / "index" / "experts", use_encoder.id)
    legacy_dir = tmp_path / "legacy"
    legacy = write_layout_1(current, legacy_dir)
    assert len(pointers(legacy_dir)) == 5  # the old layout: one per index plus the collection's
    loaded = Collection.load("experts", legacy_dir, use_encoder.id)
    assert signature(loaded) == signature(current)
    assert loaded.analyzer_fingerprint == current.analyzer_fingerprint
    query = current.dense.reconstruct(current.dense.ids()[:1])
    np.testing.assert_array_equal(loaded.dense.search(query, 5)[1], current.dense.search(query, 5)[1])
    loaded.save(legacy_dir)
    assert legacy in versions(legacy_dir)  # kept as the previous version for readers mid-load
    assert signature(Collection.load("experts", legacy_dir, use_encoder.id)) == signature(current)
    loaded.save(legacy_dir)
    assert legacy not in versions(legacy_dir) and len(versions(legacy_dir)) == 2
    assert pointers(legacy_dir) == [legacy_dir / "CURRENT"]
