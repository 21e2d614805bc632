"""Atomic, versioned directories for on-disk indexes.

Layout of a saved index directory::

    <directory>/CURRENT          name of the live version (replaced atomically with os.replace)
    <directory>/v-<stamp>-<rand>/ immutable files of one version (index, ids, manifest ...)

A save writes a complete new version under a temporary name, fsyncs it, renames it, then flips
``CURRENT``. Readers resolve ``CURRENT`` once and read only that immutable version, so they never see
a half-written index, and a crash at any point leaves the previous version live.

Old versions: after a save, the live version and the newest previous one are kept (a reader that
resolved ``CURRENT`` just before the flip may still be reading it); older ones are deleted, and so are
temporary directories of writers that crashed more than an hour ago. A version may hold several
indexes (a whole collection): they share the one pointer and are swapped together.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

__all__ = ["current_version", "files_directory", "is_versioned", "write_versioned"]

_POINTER = "CURRENT"
_TEMP_PREFIX = ".tmp-"
_VERSION_PREFIX = "v-"
_STALE_TEMP_SECONDS = 3600.0  # a temp dir this old belongs to a crashed writer, not a running one
# versions written by the collection save of layout 1 (``v<stamp>-<mkdtemp suffix>``): cleaned up too
_LEGACY_VERSION = re.compile(r"v\d{8}T\d{12}-\w+")


def _fsync_path(path: Path) -> None:
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _prepare_directory(directory: Path, what: str) -> None:
    if directory.exists() and not directory.is_dir():
        raise NotADirectoryError(f"cannot save {what}: {directory} exists and is not a directory")
    directory.mkdir(parents=True, exist_ok=True)


def current_version(directory: Path, what: str = "index") -> Path:
    """Return the directory of the live version of a saved index.

    Args:
        directory: The index directory given to ``save``.
        what: Name used in error messages.

    Raises:
        FileNotFoundError: If nothing was saved there (or the version it points to is gone).
    """
    directory = Path(directory)
    pointer = directory / _POINTER
    if not pointer.is_file():
        raise FileNotFoundError(
            f"no {what} found at {directory} (missing {pointer.name}): "
            "build it first, e.g. `haizhi build-index`"
        )
    version = directory / pointer.read_text(encoding="utf-8").strip()
    if not version.is_dir():
        raise FileNotFoundError(f"{what} at {directory} points to missing version {version.name}")
    return version


def is_versioned(directory: Path) -> bool:
    """Whether ``directory`` is a versioned directory (holds a ``CURRENT`` pointer)."""
    return (Path(directory) / _POINTER).is_file()


def files_directory(directory: Path, what: str = "index") -> Path:
    """The directory holding an index's files: the live version if ``directory`` is versioned, else itself.

    Indexes saved inside a collection version are plain directories; those saved on their own (and
    those of collections written by layout 1) are versioned.
    """
    return current_version(directory, what) if is_versioned(directory) else Path(directory)


def write_versioned(directory: Path, write: Callable[[Path], None], what: str = "index") -> Path:
    """Write a new version of an index directory atomically.

    Args:
        directory: Target index directory (created if missing).
        write: Writes all files of the version into the empty directory it is given.
        what: Name used in error messages.

    Returns:
        Path of the new live version.

    Raises:
        NotADirectoryError: If ``directory`` exists as a file.
        OSError, RuntimeError: Whatever ``write`` raised; the previous version stays live.
    """
    directory = Path(directory)
    _prepare_directory(directory, what)
    token = uuid.uuid4().hex[:10]
    temporary = directory / f"{_TEMP_PREFIX}{token}"
    temporary.mkdir()
    try:
        write(temporary)
        for file in temporary.rglob("*"):
            if file.is_file():
                _fsync_path(file)
        version = directory / f"{_VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{token}"
        os.replace(temporary, version)
        _fsync_path(directory)
        pointer_temporary = directory / f"{_TEMP_PREFIX}{token}.pointer"
        pointer_temporary.write_text(version.name, encoding="utf-8")
        _fsync_path(pointer_temporary)
        os.replace(pointer_temporary, directory / _POINTER)
        _fsync_path(directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        with contextlib.suppress(OSError):
            (directory / f"{_TEMP_PREFIX}{token}.pointer").unlink(missing_ok=True)
        raise
    _remove_old_versions(directory, keep={version.name})
    return version


def _remove_old_versions(directory: Path, keep: set[str]) -> None:
    """Delete versions older than the previous one, and temp dirs of crashed writers."""
    versions = sorted(
        (entry for entry in directory.iterdir() if entry.is_dir() and _is_version_name(entry.name)),
        key=lambda entry: entry.stat().st_mtime,
    )
    # Keep the newest old version: a reader that resolved CURRENT just before the flip may still read it.
    stale = [entry for entry in versions if entry.name not in keep][:-1]
    now = time.time()
    for entry in directory.iterdir():
        if entry.name.startswith(_TEMP_PREFIX) and now - entry.stat().st_mtime > _STALE_TEMP_SECONDS:
            stale.append(entry)
    for entry in stale:
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                entry.unlink()


def _is_version_name(name: str) -> bool:
    return name.startswith(_VERSION_PREFIX) or _LEGACY_VERSION.fullmatch(name) is not None
