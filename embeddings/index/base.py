"""Vector index interface, its on-disk manifest and the errors shared by all implementations.

A backend implements the abstract methods of :class:`VectorIndex`, among them ``write_files`` and
``read_files`` (its files in a plain directory); the versioned, atomic ``save``/``load`` of a lone
index are built on those here, and a collection stores several indexes in one version of its own.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import numpy as np

from embeddings.index.storage import current_version, write_versioned

__all__ = [
    "MANIFEST_FILE",
    "IndexManifest",
    "IndexMismatchError",
    "ReadOnlyIndexError",
    "VectorIndex",
    "check_encoder",
    "default_nlist",
    "read_manifest",
    "read_manifest_file",
]

MANIFEST_FILE = "manifest.json"


class IndexMismatchError(ValueError):
    """A saved index does not fit the configured encoder (different model or dimension)."""


class ReadOnlyIndexError(RuntimeError):
    """A write (add/remove) reached an index opened memory-mapped, which serves reads only."""


@dataclass(frozen=True)
class IndexManifest:
    """What a saved vector index contains; written as ``manifest.json`` next to the index files.

    Attributes:
        encoder_id: Id of the encoder that produced the vectors.
        dim: Vector dimension.
        count: Number of vectors.
        kind: Index kind, e.g. ``"flat"``, ``"hnsw"``, ``"ivf"``.
        backend: Implementation that wrote it (``"faiss"``); `embeddings.index.factory` loads by it.
        metric: Always ``"ip"`` (inner product = cosine on unit vectors).
        built_at: ISO-8601 UTC time of the save.
        checksum: Caller-provided checksum of the source data, to detect a stale index.
        params: Index parameters (e.g. ``hnsw_m``).
        format_version: On-disk format version.
    """

    encoder_id: str
    dim: int
    count: int
    kind: str
    metric: str = "ip"
    built_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    checksum: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    format_version: int = 1
    backend: str = "faiss"  # manifests written before backends were named are all faiss

    def to_json(self) -> str:
        """Serialise to pretty JSON."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IndexManifest:
        """Parse a manifest written by :meth:`to_json`.

        Raises:
            ValueError: If the text is not a valid manifest.
        """
        try:
            data = json.loads(text)
            known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
            manifest = cls(**known)
        except (json.JSONDecodeError, TypeError, KeyError) as error:
            raise ValueError(f"invalid index manifest: {error}") from error
        if not isinstance(manifest.dim, int) or not isinstance(manifest.count, int):
            raise ValueError("invalid index manifest: dim and count must be integers")
        return manifest


def default_nlist(count: int) -> int:
    """IVF list count for ``count`` vectors: ~4·sqrt(n), with at least 39 training points per list."""
    return max(1, min(int(4 * math.sqrt(count)), count // 39))


def read_manifest(directory: Path) -> IndexManifest:
    """Read the manifest of the live version of a saved index without loading the index.

    Raises:
        FileNotFoundError: If no index was saved at ``directory``.
    """
    return read_manifest_file(current_version(Path(directory)))


def read_manifest_file(files: Path) -> IndexManifest:
    """Read the manifest in a plain directory of index files (see :meth:`VectorIndex.write_files`)."""
    return IndexManifest.from_json((Path(files) / MANIFEST_FILE).read_text(encoding="utf-8"))


def check_encoder(
    manifest: IndexManifest, directory: Path, expected_encoder_id: str | None, expected_dim: int | None = None
) -> None:
    """Raise :class:`IndexMismatchError` if a saved index was built by another encoder.

    Args:
        manifest: Manifest of the saved index.
        directory: Where it was loaded from (for the message).
        expected_encoder_id: Id of the configured encoder, or None to skip the check.
        expected_dim: Dimension of the configured encoder, if known.
    """
    id_differs = expected_encoder_id is not None and manifest.encoder_id != expected_encoder_id
    dim_differs = expected_dim is not None and manifest.dim != expected_dim
    if id_differs or dim_differs:
        configured = expected_encoder_id if expected_encoder_id is not None else "(any)"
        dim_text = f" (dim {expected_dim})" if expected_dim is not None else ""
        raise IndexMismatchError(
            f"index at {directory} was built by encoder {manifest.encoder_id} (dim {manifest.dim}) but the "
            f"configured encoder is {configured}{dim_text}: rebuild with `haizhi build-index`"
        )


class VectorIndex(ABC):
    """Inner-product index over unit vectors keyed by caller-chosen int64 ids."""

    encoder_id: str
    dim: int
    kind: str  # the index kind it was created as (`embeddings.index.factory.INDEX_KINDS`)
    read_only: bool = False  # True when opened memory-mapped: many processes share the page cache

    def params(self) -> dict[str, Any]:
        """Construction parameters, as written to the manifest (backends override)."""
        return {}

    def _manifest(self, backend: str, checksum: str = "") -> IndexManifest:
        """The manifest ``write_files`` writes for this index as it is now."""
        return IndexManifest(
            encoder_id=self.encoder_id,
            dim=self.dim,
            count=len(self),
            kind=self.kind,
            checksum=checksum,
            params=self.params(),
            backend=backend,
        )

    def _check_writable(self) -> None:
        if self.read_only:
            raise ReadOnlyIndexError(f"{self!r} was opened memory-mapped (read-only); write a new version")

    def expect_size(self, count: int) -> None:
        """Hint before a bulk build that arrives in blocks: about ``count`` vectors will be added.

        Trained kinds (IVF) size their lists for ``count`` instead of for the first block they train
        on; other kinds need no hint. A trained or explicitly sized index keeps its lists.
        """
        del count  # untrained kinds have nothing to size

    @abstractmethod
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors; an id already present is replaced (update)."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> int:
        """Remove ids (absent ones are ignored); returns how many were removed."""

    @abstractmethod
    def search(
        self, queries: np.ndarray, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` by inner product.

        Args:
            queries: Float32 ``(n, dim)`` (a single ``(dim,)`` vector is treated as ``n=1``).
            k: Results per query.
            allowed: Optional int64 ids; only these may be returned (hard filter inside the search).

        Returns:
            ``(scores, ids)``: float32 and int64 arrays of shape ``(n, k)``, best first, padded with
            ``-inf`` / ``-1`` when fewer than ``k`` vectors qualify.
        """

    @abstractmethod
    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors of ``ids`` as float32 ``(len(ids), dim)``; raises KeyError for unknown ids."""

    def inner_products(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact float32 inner product of one query vector with the stored vector of each of ``ids``.

        Backends holding their floats override this to score the rows in place; raises KeyError for
        unknown ids.
        """
        return (self.reconstruct(ids) @ np.asarray(query, dtype=np.float32).reshape(-1)).astype(np.float32)

    @abstractmethod
    def ids(self) -> np.ndarray:
        """All ids in the index (int64, ascending)."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of vectors."""

    @abstractmethod
    def __contains__(self, item: object) -> bool:
        """Whether an id is in the index."""

    @abstractmethod
    def write_files(self, directory: Path, checksum: str = "") -> IndexManifest:
        """Write the index files and ``manifest.json`` into ``directory`` (created; not versioned).

        The caller makes the write atomic, e.g. inside `embeddings.index.storage.write_versioned`.
        """

    @classmethod
    @abstractmethod
    def read_files(
        cls,
        directory: Path,
        expected_encoder_id: str | None = None,
        *,
        expected_dim: int | None = None,
        mmap: bool = False,
    ) -> Self:
        """Read an index written by :meth:`write_files`, checking it was built by the expected encoder.

        Args:
            directory: The index files.
            expected_encoder_id: Id of the configured encoder, or None to skip the check.
            expected_dim: Dimension of the configured encoder, if known.
            mmap: Map the files instead of reading them into memory; the index is then read-only
                (``add``/``remove`` raise :class:`ReadOnlyIndexError`).

        Raises:
            FileNotFoundError: A file is missing.
            IndexMismatchError: Built by another encoder.
        """

    def save(self, directory: Path, checksum: str = "") -> IndexManifest:
        """Save atomically as a new version of ``directory``; returns the written manifest."""
        written: list[IndexManifest] = []  # the manifest, from inside the versioned write

        def write(target: Path) -> None:
            written.append(self.write_files(target, checksum))

        write_versioned(Path(directory), write, what="vector index")
        return written[0]

    @classmethod
    def load(
        cls,
        directory: Path,
        expected_encoder_id: str | None = None,
        *,
        expected_dim: int | None = None,
        mmap: bool = False,
    ) -> Self:
        """Load the live version of an index saved with :meth:`save` (``mmap``: see :meth:`read_files`).

        Raises:
            FileNotFoundError: Nothing saved at ``directory``.
            IndexMismatchError: Built by another encoder.
        """
        version = current_version(Path(directory), what="vector index")
        return cls.read_files(version, expected_encoder_id, expected_dim=expected_dim, mmap=mmap)
