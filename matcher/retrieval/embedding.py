"""Analyse and embed records for a collection, overlapping analysis with embedding.

Records are analysed `BATCH_RECORDS` at a time; each batch's profile and item texts go into one
`embeddings.cache.session.EmbedSession`, which embeds each distinct text once (items shared across
experts, unchanged texts from the cache) and streams the rest to the encoder's worker processes while
this process analyses the next batch. The vectors come back in record order, as the unbatched path
(one encoder call over every text) would give them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from embeddings.cache.session import EmbedSession, EmbedStats
from embeddings.cache.store import EmbeddingCache
from embeddings.encoders.base import Encoder
from embeddings.progress import Progress, progress
from matcher.domain.records import Demand, Expert, Record, record_hash
from matcher.retrieval.corpus import CorpusEntry
from matcher.retrieval.profiles import Analyzer

__all__ = ["BATCH_RECORDS", "EmbeddedRecords", "analyse_and_embed"]

BATCH_RECORDS = 256  # records analysed per step: ~0.3 s of analysis, a few chunks for the workers


@dataclass
class EmbeddedRecords:
    """Analysed and embedded records, in input order.

    Attributes:
        entries: corpus entries.
        terms: lexical terms of each record.
        vectors: whole-profile vectors, one row per record.
        item_terms: lexical terms of each item, records' items in order.
        item_vectors: vectors of the same items.
        stats: texts added, distinct, served by the cache and embedded.
    """

    entries: list[CorpusEntry] = field(default_factory=list)
    terms: list[list[str]] = field(default_factory=list)
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    item_terms: list[list[str]] = field(default_factory=list)
    item_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    stats: EmbedStats = field(default_factory=EmbedStats)


def analyse_and_embed(
    rows: Sequence[tuple[int, Record]],
    analyzer: Analyzer,
    encoder: Encoder,
    role: str,
    cache: EmbeddingCache | None = None,
    *,
    show_progress: bool = False,
    label: str = "records",
    bar: Progress | None = None,
) -> EmbeddedRecords:
    """Analyse ``rows`` and embed their texts (profile first, then items) through one session.

    Args:
        bar: a progress bar of a larger job to advance (then ``show_progress`` is not used).

    Raises:
        TypeError: for a record that is neither an expert nor a demand.
    """
    out = EmbeddedRecords()
    profile_slots: list[np.ndarray] = []
    item_slots: list[np.ndarray] = []
    own_bar = bar is None
    if bar is None:
        bar = progress(len(rows), f"index {label}", unit=label.removesuffix("s"), enabled=show_progress)
    with (
        bar if own_bar else nullcontext(bar),
        EmbedSession(encoder, role, cache) as session,
    ):
        for start in range(0, len(rows), BATCH_RECORDS):
            batch = rows[start : start + BATCH_RECORDS]
            texts: list[str] = []
            items: list[str] = []
            for pk, record in batch:
                if isinstance(record, Expert):
                    analysis = analyzer.analyze_expert(record)
                    out.entries.append(CorpusEntry.for_expert(pk, record, record_hash(record), analysis))
                elif isinstance(record, Demand):
                    analysis = analyzer.analyze_demand(record)
                    out.entries.append(CorpusEntry.for_demand(pk, record, record_hash(record), analysis))
                else:
                    raise TypeError(f"cannot index {type(record).__name__} in the {label} collection")
                texts.append(analysis.text)
                out.terms.append(list(analysis.terms))
                items.extend(analysis.items)
                out.item_terms.extend(list(terms) for terms in analysis.item_terms)
            slots = session.add([*texts, *items])  # one call: a profile equal to an item is shared
            profile_slots.append(slots[: len(texts)])
            item_slots.append(slots[len(texts) :])
            bar.update(len(batch))
            stats = session.stats
            bar.set_postfix_str(f"{stats.embedded} embedded, {stats.cached} cached", refresh=False)
    out.vectors = session.vectors(np.concatenate(profile_slots) if profile_slots else np.zeros(0))
    out.item_vectors = session.vectors(np.concatenate(item_slots) if item_slots else np.zeros(0))
    out.stats = session.stats
    return out
