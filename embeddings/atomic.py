"""Atomic file writes: write beside the target, then ``os.replace`` — readers never see half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_text_atomic"]


@contextmanager
def atomic_path(path: Path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it into place only if the block succeeds.

    Args:
        path: the final file (its directory is created).
        mode: permissions to give the file (the temporary file is created 0600, owner only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(temporary)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_text_atomic(
    path: Path, text: str, *, mode: int | None = None, newline: str | None = None, fsync: bool = False
) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (``fsync`` before the rename when asked)."""
    with (
        atomic_path(path, mode=mode) as temporary,
        temporary.open("w", encoding="utf-8", newline=newline) as handle,
    ):
        handle.write(text)
        if fsync:
            handle.flush()
            os.fsync(handle.fileno())
