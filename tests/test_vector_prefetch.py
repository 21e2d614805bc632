"""A memory-mapped vector file is read into the page cache on open, in chunks, in the background."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.index.vectorstore import VectorStore, prefetch

DIM = 512
ROWS = 12_288  # 24 MB: several readahead windows, more than one WILLNEED over the file would read


def resident_bytes(path: Path) -> int:
    out = subprocess.run(
        ["fincore", "--bytes", "--noheadings", "--output", "RES", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def evicted_file(tmp_path: Path) -> Path:
    """A vector file written, synced and dropped from the page cache (skips where that is impossible)."""
    if shutil.which("fincore") is None:
        pytest.skip("needs fincore (util-linux)")
    store = VectorStore(DIM)
    store.append(np.random.default_rng(0).standard_normal((ROWS, DIM)).astype(np.float32))
    path = tmp_path / "vectors.npy"
    store.write(path)
    with open(path, "rb") as file:
        os.fsync(file.fileno())
        os.posix_fadvise(file.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)
    if resident_bytes(path) > path.stat().st_size // 4:
        pytest.skip("this file system keeps the file cached (tmpfs?)")
    return path


def wait_until_resident(path: Path, timeout: float = 20.0) -> int:
    deadline = time.monotonic() + timeout
    while (resident := resident_bytes(path)) < path.stat().st_size and time.monotonic() < deadline:
        time.sleep(0.05)
    return resident


def test_prefetch_reads_the_whole_file(tmp_path: Path) -> None:
    path = evicted_file(tmp_path)
    prefetch(path)
    assert wait_until_resident(path) >= path.stat().st_size  # whole pages


def test_opening_a_store_prefetches_its_file_without_mapping_it(tmp_path: Path) -> None:
    path = evicted_file(tmp_path)
    store = VectorStore.open(path, DIM)
    assert store.mapped and len(store) == ROWS
    assert wait_until_resident(path) >= path.stat().st_size  # whole pages
    np.testing.assert_array_equal(store.rows(np.array([0, ROWS - 1])).shape, (2, DIM))
    prefetch(tmp_path / "missing.npy")  # best effort: nothing to read is not an error
