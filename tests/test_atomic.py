"""Atomic writes: the old file survives a failed write, and no temporary file is left behind."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from embeddings.atomic import atomic_path, write_text_atomic


def test_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.json"
    write_text_atomic(target, "old", mode=0o644)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    with pytest.raises(RuntimeError), atomic_path(target) as temporary:
        temporary.write_text("half", encoding="utf-8")
        raise RuntimeError("crash mid-write")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in target.parent.iterdir()] == ["a.json"]
    write_text_atomic(target, "秘密\n", mode=0o600, fsync=True)
    assert target.read_text(encoding="utf-8") == "秘密\n" and stat.S_IMODE(target.stat().st_mode) == 0o600
