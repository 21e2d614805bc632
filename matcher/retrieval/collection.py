"""Search indexes of one collection (experts or demands): dense + lexical indexes + corpus metadata.

A collection is saved as one version of a versioned directory (`embeddings.index.storage`): the dense
and lexical indexes, the corpus and the manifest of a save sit in one immutable ``v-*`` directory
behind the collection's single ``CURRENT`` pointer, flipped atomically once all are written and
fsynced. A reader resolves the pointer once, so it never mixes files of two saves, and a crash
mid-save leaves the previous version live. Layout::

    <collection>/CURRENT                   name of the live version
    <collection>/v-<stamp>-<token>/        collection.json, corpus.json, dense/, lexical/
                                           (experts also items/, item_lexical/)

Collections saved by layout 1 (each index versioned again inside the collection version, so three or
five ``CURRENT`` files) still load; the next save writes layout 2 and a later one removes the old.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from embeddings.index.base import IndexMismatchError, VectorIndex, default_nlist
from embeddings.index.factory import TRAINED_KINDS, create_index, read_index
from embeddings.index.layered import LayeredIndex
from embeddings.index.storage import current_version, files_directory, write_versioned
from embeddings.lexical.base import LexicalIndex
from embeddings.lexical.factory import DEFAULT_LEXICAL_BACKEND, create_lexical_index, read_lexical_index
from embeddings.progress import progress
from matcher.domain.records import Record, record_hash
from matcher.retrieval.corpus import Corpus, item_ids
from matcher.retrieval.embedding import EmbeddedRecords, analyse_and_embed
from matcher.retrieval.profiles import Analyzer

CollectionKind = Literal["experts", "demands"]
LAYOUT_VERSION = 2  # 1: every index versioned again inside the collection version
UPSERT_BLOCK = 200_000  # records per step of a bulk upsert: ~1.2 GB of transient USE vectors and terms


@dataclass
class RefreshReport:
    """What an incremental refresh changed."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        """True when anything was added, updated or removed."""
        return bool(self.added or self.updated or self.removed)


class Collection:
    """Dense index, lexical index and corpus of one kind of record, kept in step.

    Args:
        kind: ``experts`` (documents) or ``demands`` (queries).
        dense: the vector index of whole-profile vectors, keyed by store pk.
        lexical: the lexical (BM25) index keyed by store pk.
        corpus: metadata entries keyed by store pk.
        analyzer_fingerprint: identity of the analysis the entries were made with.
        items: the vector index of item vectors (each publication and the profile block of an expert),
            keyed by `matcher.retrieval.corpus.item_ids`; None for demands.
        item_lexical: the lexical index of the same items under the same keys; None for demands.

    Attributes:
        store_stamp: the store state the last build indexed (``max_pk``, ``updated_at``; saved in the
            manifest), so `matcher.retrieval.maintenance` finds what changed since; None before a build.
        version: the saved version `load` read (its directory name), to notice a newer one.
    """

    store_stamp: dict[str, Any] | None = None
    version: str | None = None

    def __init__(
        self,
        kind: CollectionKind,
        dense: VectorIndex,
        lexical: LexicalIndex,
        corpus: Corpus,
        analyzer_fingerprint: str = "",
        items: VectorIndex | None = None,
        item_lexical: LexicalIndex | None = None,
    ) -> None:
        self.kind = kind
        self.dense = dense
        self.lexical = lexical
        self.corpus = corpus
        self.analyzer_fingerprint = analyzer_fingerprint
        self.items = items
        self.item_lexical = item_lexical

    @classmethod
    def empty(cls, kind: CollectionKind, encoder: Encoder, index_kind: str = "flat") -> Collection:
        """A collection with nothing indexed yet (experts also get item indexes).

        Raises:
            ValueError: For an unknown ``index_kind`` (the message names the allowed ones).
        """
        dense = create_index(index_kind, dim=encoder.dim, encoder_id=encoder.id)
        lexical = create_lexical_index(DEFAULT_LEXICAL_BACKEND)
        if kind != "experts":
            return cls(kind, dense, lexical, Corpus())
        items = create_index(index_kind, dim=encoder.dim, encoder_id=encoder.id)
        item_lexical = create_lexical_index(DEFAULT_LEXICAL_BACKEND)
        return cls(kind, dense, lexical, Corpus(), items=items, item_lexical=item_lexical)

    def __len__(self) -> int:
        return len(self.corpus)

    def upsert(
        self,
        rows: Sequence[tuple[int, Record]],
        analyzer: Analyzer,
        encoder: Encoder,
        cache: EmbeddingCache | None = None,
        show_progress: bool = False,
    ) -> None:
        """Analyse, embed and index records (new or changed) without rebuilding the rest.

        Analysis and embedding overlap (`matcher.retrieval.embedding`); each distinct text is embedded
        once and unchanged ones come from the cache. A bulk upsert goes `UPSERT_BLOCK` records at a
        time, each block indexed before the next is analysed, so its vectors and terms are held once
        per block, not for the whole build (at 1M experts: ~13 GB otherwise).
        """
        if not rows:
            return
        if not len(self.corpus):
            self.dense.expect_size(len(rows))  # trained kinds size their lists for the whole build
        with progress(
            len(rows), f"index {self.kind}", unit=self.kind.removesuffix("s"), enabled=show_progress
        ) as bar:
            for start in range(0, len(rows), UPSERT_BLOCK):
                block = rows[start : start + UPSERT_BLOCK]
                done = analyse_and_embed(block, analyzer, encoder, self._role, cache, bar=bar)
                if self.items is not None and not len(self.items) and done.item_terms:
                    self.items.expect_size(round(len(done.item_terms) * len(rows) / len(block)))
                self._index_embedded(done)

    @property
    def _role(self) -> str:
        return "document" if self.kind == "experts" else "query"

    def _index_embedded(self, done: EmbeddedRecords) -> None:
        entries = done.entries
        previous = [old for e in entries if (old := self.corpus.pk_of(e.id)) is not None]
        if previous:
            self._drop_items(np.array(previous, dtype=np.int64))
        stale = [e.pk for e in entries if (old := self.corpus.pk_of(e.id)) is not None and old != e.pk]
        if stale:
            self._drop_pks(np.array(stale, dtype=np.int64))
        ids = np.array([e.pk for e in entries], dtype=np.int64)
        self.dense.add(ids, done.vectors)
        self.lexical.add(ids, done.terms)
        keys = item_ids(ids, np.array([e.item_count for e in entries], dtype=np.int64))
        if self.items is not None and done.item_terms:
            self.items.add(keys, done.item_vectors)
        if self.item_lexical is not None and done.item_terms:
            self.item_lexical.add(keys, done.item_terms)
        for entry in entries:
            self.corpus.put(entry)

    def reindex(self, index_kind: str, *, block: int = 250_000, show_progress: bool = False) -> bool:
        """Rebuild the vector indexes as ``index_kind`` from the vectors they hold (no re-embedding).

        Returns False when both already are of that kind. Trained kinds (IVF) size their lists for
        the whole collection and train on the first block.
        """
        changed = False
        for name in ("dense", "items"):
            index: VectorIndex | None = getattr(self, name)
            if index is None or index.kind == index_kind:
                continue
            ids = index.ids()
            sized = {"ivf_nlist": default_nlist(len(ids))} if index_kind in TRAINED_KINDS else {}
            rebuilt = create_index(index_kind, dim=index.dim, encoder_id=index.encoder_id, **sized)
            with progress(
                len(ids), f"reindex {name} as {index_kind}", unit="vector", enabled=show_progress
            ) as bar:
                for start in range(0, len(ids), block):
                    rebuilt.add(ids[start : start + block], index.reconstruct(ids[start : start + block]))
                    bar.update(len(ids[start : start + block]))
            setattr(self, name, rebuilt)
            changed = True
        return changed

    def remove(self, record_ids: Sequence[str]) -> int:
        """Remove records by id; returns how many were indexed."""
        known = [pk for i in record_ids if (pk := self.corpus.pk_of(i)) is not None]
        if known:
            self._drop_items(np.array(known, dtype=np.int64))  # needs the entries' item counts
        pks = self.corpus.remove(record_ids)
        if pks:
            self._drop_pks(np.array(pks, dtype=np.int64))
        return len(pks)

    def _drop_pks(self, pks: np.ndarray) -> None:
        self.dense.remove(pks)
        self.lexical.remove(pks)

    def _drop_items(self, pks: np.ndarray) -> None:
        ids = item_ids(pks, self.corpus.item_counts(pks))
        if self.items is not None:
            self.items.remove(ids)
        if self.item_lexical is not None:
            self.item_lexical.remove(ids)

    def save(self, directory: Path) -> Path:
        """Save every index, the corpus and the manifest as one new version; returns its directory.

        The pointer flips only after all files are written and fsynced; on any error (or a crash)
        the previous version stays live. The live and the previous version are kept on disk, older
        ones are deleted (`embeddings.index.storage`).
        """
        checksum = self.corpus.checksum()
        manifest = {
            "kind": self.kind,
            "count": len(self.corpus),
            "checksum": checksum,
            "analyzer": self.analyzer_fingerprint,
            "saved_at": datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f"),
            "store_stamp": self.store_stamp,
            "layout": LAYOUT_VERSION,
            "lexical_backend": self.lexical.backend,
        }

        def write(version: Path) -> None:
            self.dense.write_files(version / "dense", checksum=checksum)
            self.lexical.write_files(version / "lexical")
            if self.items is not None:
                self.items.write_files(version / "items", checksum=checksum)
            if self.item_lexical is not None:
                self.item_lexical.write_files(version / "item_lexical")
            self.corpus.save(version / "corpus.json")
            (version / "collection.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

        return write_versioned(directory, write, what=f"{self.kind} index")

    @classmethod
    def load(
        cls, kind: CollectionKind, directory: Path, encoder_id: str, *, mmap: bool = False
    ) -> Collection:
        """Load the current version (layout 2, or layout 1 with its nested versioned indexes).

        ``mmap``: vector indexes mapped read-only (shared) under a `LayeredIndex` that takes writes.

        Raises:
            FileNotFoundError: when no index was built yet.
            IndexMismatchError: when the index was built by another encoder.
        """
        if not (directory / "CURRENT").exists():
            raise FileNotFoundError(f"no {kind} index in {directory}: run `haizhi build-index` first")
        version = current_version(directory, what=f"{kind} index")
        manifest = json.loads((version / "collection.json").read_text(encoding="utf-8"))
        lexical_backend = manifest.get("lexical_backend", DEFAULT_LEXICAL_BACKEND)

        def vectors(name: str) -> VectorIndex:
            files = files_directory(version / name, "vector index")
            reader = LayeredIndex.read_files if mmap else read_index
            return reader(files, expected_encoder_id=encoder_id)

        def lexical_index(name: str) -> LexicalIndex:
            return read_lexical_index(files_directory(version / name, "lexical index"), lexical_backend)

        dense, lexical = vectors("dense"), lexical_index("lexical")
        corpus = Corpus.load(version / "corpus.json")
        if len(dense) != len(corpus):
            raise IndexMismatchError(
                f"{version}: dense index holds {len(dense)} vectors but the corpus {len(corpus)} entries"
            )
        items = vectors("items") if (version / "items").is_dir() else None
        item_lexical = lexical_index("item_lexical") if (version / "item_lexical").is_dir() else None
        collection = cls(kind, dense, lexical, corpus, manifest.get("analyzer", ""), items, item_lexical)
        collection.store_stamp = manifest.get("store_stamp")
        collection.version = version.name
        return collection


def refresh_collection(
    collection: Collection,
    rows: Sequence[tuple[int, Record]],
    analyzer: Analyzer,
    encoder: Encoder,
    cache: EmbeddingCache | None = None,
    show_progress: bool = False,
) -> RefreshReport:
    """Bring a collection in line with the store's rows: index new/changed, drop deleted."""
    known = collection.corpus.hashes()
    current_ids = {record.id for _, record in rows}
    changed = [(pk, r) for pk, r in rows if known.get(r.id) != record_hash(r)]
    removed = [record_id for record_id in known if record_id not in current_ids]
    report = RefreshReport(
        added=sum(1 for _, r in changed if r.id not in known),
        updated=sum(1 for _, r in changed if r.id in known),
        removed=len(removed),
        unchanged=len(rows) - len(changed),
    )
    collection.remove(removed)
    collection.upsert(changed, analyzer, encoder, cache=cache, show_progress=show_progress)
    return report
