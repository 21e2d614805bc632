"""Where analysts' notebooks find the data: the environment, else the project's var/ from any subfolder."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.config import Settings, project_data_dir

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


def test_the_nightlys_smtp_settings_keep_their_environment_names_and_env_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipelines.nightly.settings import NightlySettings, nightly_settings

    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("HAIZHI_SMTP_USER=from-dotenv\nHAIZHI_SMTP_PORT=2525\n", encoding="utf-8")
    monkeypatch.setenv("HAIZHI_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("HAIZHI_SMTP_SECURITY", "starttls")
    monkeypatch.setenv("HAIZHI_MAIL_FROM", "Ops <ops@example.org>")
    settings = NightlySettings()
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "smtp.example.org",
        2525,
        "starttls",
    )
    assert settings.smtp_user == "from-dotenv" and settings.mail_from == "Ops <ops@example.org>"
    # a matcher's plain settings keep what was given and gain the SMTP part from the environment
    lifted = nightly_settings(Settings(data_dir=tmp_path / "data", nightly_k=3))
    assert lifted.data_dir == tmp_path / "data" and lifted.nightly_k == 3
    assert lifted.smtp_host == "smtp.example.org" and lifted.smtp_port == 2525
    assert nightly_settings(settings) is settings
    assert "smtp_host" not in Settings.model_fields  # the matcher knows nothing about mail
