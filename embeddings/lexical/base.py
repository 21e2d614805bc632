"""Lexical index interface: what retrieval calls on a keyword index, whatever scores it.

The abstract methods are exactly those `matcher` uses (index, drop, search, score given candidates,
explain matched terms, persist inside a collection version). ``save``/``load`` of a lone index, as a
versioned directory (`embeddings.index.storage`), are built on ``write_files``/``read_files`` here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Self

import numpy as np

from embeddings.index.storage import current_version, write_versioned

__all__ = ["LexicalIndex", "Query"]

Query = Mapping[str, float] | Sequence[str]  # term → weight, or terms (weight 1 per occurrence)


class LexicalIndex(ABC):
    """Keyword index over pre-tokenised documents keyed by caller-chosen int64 ids."""

    backend: ClassVar[str]  # name in `embeddings.lexical.factory`

    @abstractmethod
    def add(self, ids: np.ndarray, docs: Sequence[Sequence[str]]) -> None:
        """Add documents (token lists); an id already indexed is replaced."""

    @abstractmethod
    def remove(self, ids: np.ndarray) -> int:
        """Remove documents by id (absent ones are ignored); returns how many were indexed."""

    @abstractmethod
    def search(
        self, query: Query, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` documents with a positive score as ``(scores, ids)`` 1-D arrays, best first.

        Args:
            query: Term → weight mapping, or a term sequence.
            k: Maximum number of results.
            allowed: Optional ids; only these may be returned.
        """

    @abstractmethod
    def score(self, query: Query, ids: np.ndarray) -> np.ndarray:
        """Scores of ``ids`` (float32, 0 for ids not indexed)."""

    def search_scoring(
        self, query: Query, k: int, ids: np.ndarray, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`search`, and the `score` of ``ids`` too: ``(scores, found ids, scores of ids)``.

        Retrieval needs both for one query (its own hits, and the dense candidates BM25 did not
        return); a backend that scores every document while searching answers the second from that
        pass. This default simply calls both.
        """
        scores, found = self.search(query, k, allowed=allowed)
        return scores, found, self.score(query, ids)

    @abstractmethod
    def matched_terms_many(self, query: Query, ids: Sequence[int]) -> list[list[str]]:
        """Per id, the query terms its document contains (query order; empty if not indexed)."""

    @abstractmethod
    def __len__(self) -> int:
        """Number of indexed documents."""

    @abstractmethod
    def write_files(self, directory: Path) -> None:
        """Write the index files into ``directory`` (created; not versioned: the caller makes it atomic)."""

    @classmethod
    @abstractmethod
    def read_files(cls, directory: Path) -> Self:
        """Read an index written by :meth:`write_files`.

        Raises:
            FileNotFoundError: A file is missing.
        """

    def save(self, directory: Path) -> None:
        """Save atomically as a new version of ``directory`` (see `embeddings.index.storage`)."""
        write_versioned(Path(directory), self.write_files, what="lexical index")

    @classmethod
    def load(cls, directory: Path) -> Self:
        """Load the live version of an index saved with :meth:`save`.

        Raises:
            FileNotFoundError: If nothing was saved at ``directory``.
        """
        return cls.read_files(current_version(Path(directory), what="lexical index"))
