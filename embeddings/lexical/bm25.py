"""BM25 lexical index over pre-tokenised documents (own implementation on scipy.sparse).

Score of document d for query terms t with weights w_t (glossary expansions get w < 1)::

    sum_t  w_t · idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
    idf(t) = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))          (Lucene's form, always > 0)

Term frequencies are kept per document (CSR rows); document frequencies are maintained on every
add/remove so idf and avgdl always equal those of a fresh fit. The column-compressed matrix of the
tf-saturation part is rebuilt lazily after changes (`embeddings.lexical.postings`); a query sums its
columns into a dense accumulator and keeps the rows above a sampled floor. A narrow filter is scored
from its documents' own rows instead.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from itertools import chain
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
import scipy.sparse as sp

from embeddings.index.idmap import PositionMap, as_id_array
from embeddings.lexical.base import LexicalIndex, Query
from embeddings.lexical.postings import ROW_ENTRY_COST, Postings
from embeddings.lexical.scoring import Okapi, QueryColumns, query_columns, top_rows

__all__ = ["BM25Index", "Query"]

_FORMAT_VERSION = 1
# a filter allowing under 1/this of the documents reads their scores directly; above it, the floor
# of `Postings.contenders` is cheaper (its sample grows as the allowed share shrinks)
_SAMPLED_FILTER_SHARE = 8


class BM25Index(LexicalIndex):
    """Okapi BM25 over documents given as token lists, keyed by caller int64 ids.

    Args:
        k1: Term-frequency saturation.
        b: Length normalisation (0 = none, 1 = full).
    """

    backend: ClassVar[str] = "bm25"

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._reset()

    def _reset(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._terms: list[str] = []
        self._document_frequency = np.zeros(0, dtype=np.int64)
        self._rows = PositionMap()  # matrix row → id (-1 = removed row, dropped at the next rebuild)
        self._blocks: list[sp.csr_matrix] = []  # term frequencies, rows in PositionMap order
        self._lengths = np.zeros(0, dtype=np.float64)
        self._average_length = 1.0  # of the documents in the current search matrix
        self._weights: Postings | None = None  # tf-saturation part, valid when not stale

    # ----- building -----
    def fit(self, ids: np.ndarray, docs: Sequence[Sequence[str]]) -> BM25Index:
        """Index ``docs`` from scratch (drops anything indexed before); returns self."""
        self._reset()
        self.add(ids, docs)
        return self

    def add(self, ids: np.ndarray, docs: Sequence[Sequence[str]]) -> None:
        """Add documents; an id already indexed is replaced.

        Args:
            ids: Unique int64 ids, one per document.
            docs: Token lists (already normalised and tokenised).
        """
        keys = as_id_array(ids)
        if keys.size != len(docs):
            raise ValueError(f"got {keys.size} ids for {len(docs)} documents")
        if np.unique(keys).size != keys.size:
            raise ValueError("ids passed to add() contain duplicates")
        if keys.size and keys.min() < 0:
            raise ValueError("ids must be >= 0")
        if keys.size == 0:
            return
        self.remove(keys)
        for row, doc in enumerate(docs):
            if isinstance(doc, str):
                raise TypeError(f"docs[{row}] is a str; expected a sequence of tokens")
        # Token → column with C-level iteration (map over a dict), not a Python loop per token.
        tokens = list(chain.from_iterable(docs))
        vocabulary = self._vocabulary
        for token in dict.fromkeys(tokens).keys() - vocabulary.keys():
            vocabulary[token] = len(self._terms)
            self._terms.append(token)
        columns = np.fromiter(map(vocabulary.__getitem__, tokens), dtype=np.int32, count=len(tokens))
        indptr = np.zeros(keys.size + 1, dtype=np.int64)
        np.cumsum([len(doc) for doc in docs], out=indptr[1:])
        counts = np.ones(columns.size, dtype=np.float32)
        block = sp.csr_matrix((counts, columns, indptr), shape=(keys.size, len(self._terms)))
        block.sum_duplicates()  # repeated tokens of a document → term frequency
        self._document_frequency = np.concatenate(
            [self._document_frequency, np.zeros(len(self._terms) - self._document_frequency.size, np.int64)]
        )
        np.add.at(self._document_frequency, block.indices, 1)
        self._lengths = np.concatenate([self._lengths, np.asarray(block.sum(axis=1)).ravel()])
        self._blocks.append(block)
        self._rows.append(keys)
        self._weights = None

    def remove(self, ids: np.ndarray) -> int:
        """Remove documents by id; returns how many were indexed."""
        rows = self._rows.positions(as_id_array(ids))
        rows = np.unique(rows[rows >= 0])
        if rows.size == 0:
            return 0
        removed_terms = self._tf_matrix()[rows]
        np.subtract.at(self._document_frequency, removed_terms.indices, 1)
        self._rows.free(rows)
        self._weights = None
        return int(rows.size)

    def _tf_matrix(self) -> sp.csr_matrix:
        """All term-frequency rows as one CSR matrix (columns padded to the current vocabulary)."""
        width = len(self._terms)
        blocks = [block if block.shape[1] == width else _widen(block, width) for block in self._blocks]
        if len(blocks) != 1:
            blocks = [
                sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, width), dtype=np.float32)
            ]
        self._blocks = blocks
        return blocks[0]

    def _compact(self) -> None:
        """Drop removed rows so rows are dense again (positions change; ids do not)."""
        live = np.flatnonzero(self._rows.labels >= 0)
        if live.size == self._rows.capacity:
            return
        self._blocks = [self._tf_matrix()[live]]
        self._lengths = self._lengths[live]
        self._rows = PositionMap(self._rows.labels[live])

    def _weight_matrix(self) -> Postings:
        if self._weights is None:
            self._compact()
            tf = self._tf_matrix().tocoo()
            average = float(self._lengths.mean()) if self._lengths.size else 1.0
            self._average_length = average or 1.0  # `_row_scores` uses the same value, once per build
            data = Okapi(self.k1, self.b, self._average_length).weights(tf.data, self._lengths[tf.row])
            weights = sp.csc_matrix((data, (tf.row, tf.col)), shape=tf.shape)
            self._weights = Postings.from_matrix(weights)
        return self._weights

    def prepare(self) -> None:
        """Rebuild the search matrix now (it is otherwise rebuilt lazily by the first query after a change).

        Call after updates and before serving queries from several threads.
        """
        self._weight_matrix()

    # ----- inspection -----
    def __len__(self) -> int:
        return len(self._rows)

    def ids(self) -> np.ndarray:
        """Indexed ids, ascending."""
        return self._rows.live_ids()

    def idf(self, term: str) -> float:
        """BM25 idf of ``term``; 0.0 for a term no indexed document contains."""
        column = self._vocabulary.get(term)
        frequency = 0 if column is None else int(self._document_frequency[column])
        if frequency == 0:
            return 0.0
        return math.log(1.0 + (len(self) - frequency + 0.5) / (frequency + 0.5))

    def _query_columns(self, query: Query) -> QueryColumns:
        return query_columns(query, self._vocabulary, self._document_frequency, len(self))

    # ----- search -----
    def search(
        self, query: Query, k: int, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Best ``k`` documents with a positive score.

        Args:
            query: Term → weight mapping, or a term sequence (weight 1 per occurrence).
            k: Maximum number of results.
            allowed: Optional ids; only these may be returned.

        Returns:
            ``(scores, ids)``: float32 and int64 1-D arrays (at most ``k``), best first.
        """
        result, _ = self._search(query, k, allowed)
        return result

    def search_scoring(
        self, query: Query, k: int, ids: np.ndarray, *, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`search`, and the scores of ``ids`` read off the same term-at-a-time pass.

        The pass already holds every document's score, so the extra ids cost one gather instead of
        reading their rows (`score`); under a narrow filter, which scores only the allowed rows,
        they are scored from their rows as `score` does.
        """
        (scores, found), every = self._search(query, k, allowed)
        if every is None:
            return scores, found, self.score(query, ids)
        rows = self._rows.positions(as_id_array(ids))
        return scores, found, np.where(rows >= 0, every[np.maximum(rows, 0)], 0.0).astype(np.float32)

    def _search(
        self, query: Query, k: int, allowed: np.ndarray | None
    ) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray | None]:
        """The best ``k`` as `search` gives them, and the score of every matrix row when it was summed."""
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        postings = self._weight_matrix()
        terms = self._query_columns(query)
        restrict = None if allowed is None else self._rows.allowed(allowed)
        if restrict is not None:
            row_entries = restrict.positions.size * self._tf_matrix().nnz / max(postings.n_rows, 1)
            if ROW_ENTRY_COST * row_entries < float(postings.lengths(terms.columns).sum()):
                # a narrow filter: its documents' own rows cost less than the query's postings
                rows = restrict.positions
                return self._best(rows, self._row_scores(rows, terms), k), None
        scores = postings.accumulate(terms.columns, terms.factors)
        if restrict is not None and restrict.positions.size * _SAMPLED_FILTER_SHARE < postings.n_rows:
            return self._best(restrict.positions, scores[restrict.positions], k), scores
        mask = None if restrict is None else restrict.mask
        candidates = postings.contenders(scores, terms.columns, k, mask)
        return self._best(candidates, scores[candidates], k), scores

    def _best(self, rows: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best positive (score, id) of matrix ``rows``, best first, ties by ascending id."""
        positive = scores > 0
        rows, scores = rows[positive], scores[positive]
        kept = top_rows(np.arange(rows.size), scores, k)
        labels = self._rows.labels[rows[kept]]
        order = np.lexsort((labels, -scores[kept]))[:k]
        return scores[kept[order]], labels[order]

    def score(self, query: Query, ids: np.ndarray) -> np.ndarray:
        """BM25 scores of ``ids`` (float32, 0 for ids not indexed).

        Reads only the given documents' rows of the term-frequency matrix (their few dozen terms
        each), so the cost follows the number of ids, not the collection size or the query terms'
        posting lengths.
        """
        keys = as_id_array(ids)
        out = np.zeros(keys.size, dtype=np.float32)
        terms = self._query_columns(query)
        if keys.size == 0 or terms.columns.size == 0:
            return out
        self._weight_matrix()  # first: the lazy rebuild may move rows
        rows = self._rows.positions(keys)
        present = np.flatnonzero(rows >= 0)
        if present.size:
            out[present] = self._row_scores(rows[present], terms)
        return out

    def _row_scores(self, rows: np.ndarray, query: QueryColumns) -> np.ndarray:
        """BM25 of the documents at matrix ``rows`` (call after `_weight_matrix`: it fixes avgdl)."""
        return Okapi(self.k1, self.b, self._average_length).row_scores(
            self._tf_matrix(), self._lengths, rows, query
        )

    def matched_terms(self, query: Query, id: int) -> list[str]:
        """Query terms that occur in document ``id`` (query order); empty if not indexed."""
        return self.matched_terms_many(query, [id])[0]

    def matched_terms_many(self, query: Query, ids: Sequence[int]) -> list[list[str]]:
        """`matched_terms` for several documents, resolving the query once."""
        rows = self._rows.positions(np.array(ids, dtype=np.int64))
        terms = self._query_columns(query).terms
        document = self._tf_matrix()
        matched: list[list[str]] = []
        for row in rows.tolist():
            if row < 0:
                matched.append([])
                continue
            present = set(document.indices[document.indptr[row] : document.indptr[row + 1]].tolist())
            matched.append([term for term in terms if self._vocabulary[term] in present])
        return matched

    # ----- persistence -----
    def write_files(self, directory: Path) -> None:
        """Write ``tf.npz``, ``ids.npy``, ``params.json`` and ``terms.json`` into ``directory``."""
        self._compact()
        matrix = self._tf_matrix()
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        sp.save_npz(target / "tf.npz", matrix, compressed=False)
        np.save(target / "ids.npy", self._rows.labels)
        params = {"k1": self.k1, "b": self.b, "format_version": _FORMAT_VERSION, "count": len(self)}
        (target / "params.json").write_text(json.dumps(params), encoding="utf-8")
        (target / "terms.json").write_text(json.dumps(self._terms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read_files(cls, directory: Path) -> Self:
        """Read an index written by :meth:`write_files`.

        Raises:
            FileNotFoundError: If a file is missing.
        """
        files = Path(directory)
        params = json.loads((files / "params.json").read_text(encoding="utf-8"))
        index = cls(k1=float(params["k1"]), b=float(params["b"]))
        index._terms = json.loads((files / "terms.json").read_text(encoding="utf-8"))
        index._vocabulary = {term: column for column, term in enumerate(index._terms)}
        matrix = sp.csr_matrix(sp.load_npz(files / "tf.npz"), dtype=np.float32)
        index._blocks = [matrix]
        index._rows = PositionMap(np.load(files / "ids.npy"))
        index._lengths = np.asarray(matrix.sum(axis=1), dtype=np.float64).ravel()
        index._document_frequency = np.bincount(matrix.indices, minlength=len(index._terms)).astype(np.int64)
        if matrix.shape != (index._rows.capacity, len(index._terms)):
            raise ValueError(f"lexical index at {files} is inconsistent: matrix shape {matrix.shape}")
        return index


def _widen(block: sp.csr_matrix, width: int) -> sp.csr_matrix:
    """Same rows with extra empty columns (the vocabulary grew after this block was added)."""
    return sp.csr_matrix((block.data, block.indices, block.indptr), shape=(block.shape[0], width))
