"""Vector and lexical index factories: dispatch by kind / saved backend, and no faiss on import."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from embeddings.index import VectorIndex, read_manifest
from embeddings.index.base import MANIFEST_FILE
from embeddings.index.factory import INDEX_KINDS, create_index, load_index, read_index, set_search_threads
from embeddings.index.storage import current_version
from embeddings.lexical import LexicalIndex, create_lexical_index, load_lexical_index, read_lexical_index

ROOT = Path(__file__).resolve().parents[1]
DIM = 8


def unit_vectors(n: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (its own ``sys.modules``) with this checkout first on the path."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_importing_the_matcher_and_the_api_does_not_load_faiss() -> None:
    result = run_python(
        "import sys, matcher.service, api.app, embeddings.index, embeddings.lexical\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'faiss')\n"
        "assert not loaded and 'embeddings.index.faiss_index' not in sys.modules, loaded\n"
        "from embeddings.index import FaissIndex\n"  # the lazy re-export still resolves
        "assert 'faiss' in sys.modules and FaissIndex.__module__ == 'embeddings.index.faiss_index'\n"
    )
    assert result.returncode == 0, result.stderr


def test_only_the_faiss_backend_imports_faiss() -> None:
    importing = re.compile(r"^\s*(import faiss\b|from faiss\b)", re.MULTILINE)
    found = sorted(
        str(path.relative_to(ROOT))
        for package in ("api", "embeddings", "matcher", "pipelines")
        for path in (ROOT / package).rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    )
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    faiss_contract = next(c for c in contracts["contracts"] if c["id"] == "faiss")
    allowed = sorted(
        rule.split(" -> ")[0].replace(".", "/") + ".py" for rule in faiss_contract["ignore_imports"]
    )
    # the files that import faiss are exactly the ones the architecture contract allows, and the
    # serving backend is one of them
    assert found == allowed and "embeddings/index/faiss_index.py" in found


def test_search_threads_reach_the_backend_when_it_loads_and_when_loaded() -> None:
    result = run_python(
        "import sys\n"
        "from embeddings.index.factory import create_index, set_search_threads\n"
        "set_search_threads(3)\n"
        "assert 'faiss' not in sys.modules\n"
        "create_index('flat', dim=4, encoder_id='enc')\n"
        "import faiss\n"
        "assert faiss.omp_get_max_threads() == 3, faiss.omp_get_max_threads()\n"
        "set_search_threads(2)\n"
        "assert faiss.omp_get_max_threads() == 2, faiss.omp_get_max_threads()\n"
    )
    assert result.returncode == 0, result.stderr
    with pytest.raises(ValueError, match="threads must be >= 1"):
        set_search_threads(0)


@pytest.mark.parametrize("kind", sorted(kind for kind, backend in INDEX_KINDS.items() if backend == "faiss"))
def test_create_index_builds_the_kind_with_its_parameters(kind: str, tmp_path: Path) -> None:
    index = create_index(kind, dim=DIM, encoder_id="enc", ivf_nlist=4, hnsw_m=12)
    assert isinstance(index, VectorIndex) and type(index).__name__ == "FaissIndex"
    assert (index.dim, index.encoder_id) == (DIM, "enc")
    ids = np.arange(200, dtype=np.int64)
    index.add(ids, unit_vectors(200, seed=1))
    manifest = index.save(tmp_path / "idx")
    assert (manifest.kind, manifest.backend, manifest.params["hnsw_m"]) == (kind, "faiss", 12)
    loaded = load_index(tmp_path / "idx", expected_encoder_id="enc")
    assert type(loaded) is type(index) and loaded.ids().tolist() == ids.tolist()
    files = read_index(current_version(tmp_path / "idx"), expected_encoder_id="enc", expected_dim=DIM)
    assert files.ids().tolist() == ids.tolist()


def test_factory_kinds_are_those_of_the_faiss_backend() -> None:
    from embeddings.index.faiss_index import INDEX_KINDS as FAISS_KINDS

    assert sorted(kind for kind, backend in INDEX_KINDS.items() if backend == "faiss") == sorted(FAISS_KINDS)


def test_unknown_kind_or_backend_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown index kind 'lsh'; options: flat, hnsw, ivf, ivfpq"):
        create_index("lsh", dim=DIM, encoder_id="enc")
    index = create_index("flat", dim=DIM, encoder_id="enc")
    index.add(np.arange(3), unit_vectors(3, seed=2))
    index.save(tmp_path / "idx")
    manifest_path = current_version(tmp_path / "idx") / MANIFEST_FILE
    data = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**data, "backend": "annoy"}))
    with pytest.raises(
        ValueError, match=r"unknown vector index backend 'annoy'; options: faiss, faiss-compressed"
    ):
        load_index(tmp_path / "idx")
    del data["backend"]  # manifests written before backends were named are faiss
    manifest_path.write_text(json.dumps(data))
    assert read_manifest(tmp_path / "idx").backend == "faiss"
    assert load_index(tmp_path / "idx").ids().tolist() == [0, 1, 2]


def test_lexical_factory_creates_and_loads_bm25_by_name(tmp_path: Path) -> None:
    index = create_lexical_index("bm25", k1=1.5, b=0.6)
    assert isinstance(index, LexicalIndex) and type(index).__name__ == "BM25Index"
    index.add(np.array([4, 9]), [["电池", "储能"], ["battery"]])
    index.save(tmp_path / "bm25")
    for loaded in (
        load_lexical_index(tmp_path / "bm25", "bm25"),
        read_lexical_index(current_version(tmp_path / "bm25"), "bm25"),
    ):
        assert isinstance(loaded, LexicalIndex) and len(loaded) == 2
        assert loaded.search(["battery"], 5)[1].tolist() == [9]
        assert loaded.matched_terms_many(["电池", "x"], [4, 9]) == [["电池"], []]
    with pytest.raises(ValueError, match=r"unknown lexical index 'tfidf'; options: bm25"):
        create_lexical_index("tfidf")
