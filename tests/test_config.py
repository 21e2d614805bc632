"""Where analysts' notebooks find the data: the environment, else the project's var/ from any subfolder."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.config import project_data_dir

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_a_notebook_folder_finds_the_projects_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HAIZHI_DATA_DIR", raising=False)
    assert project_data_dir(PROJECT_ROOT / "notebooks") == PROJECT_ROOT / "var"
    assert project_data_dir(PROJECT_ROOT) == PROJECT_ROOT / "var"


def test_the_environment_wins_and_outside_a_checkout_it_is_local(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HAIZHI_DATA_DIR", raising=False)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "someone-else"\n', encoding="utf-8")
    assert project_data_dir(tmp_path) == tmp_path / "var"
    monkeypatch.setenv("HAIZHI_DATA_DIR", str(tmp_path / "elsewhere"))
    assert project_data_dir(PROJECT_ROOT / "notebooks") == tmp_path / "elsewhere"
