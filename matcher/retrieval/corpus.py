"""In-memory metadata of an indexed collection (experts or demands): hard filters and pair features.

Each entry keeps what ranking and filtering need without a database round trip; numpy columns are
derived lazily so a filter over 100k experts costs a few vectorised comparisons.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from embeddings.atomic import write_text_atomic
from embeddings.index.idmap import AllowedMemo, frozen
from matcher.domain.records import CooperationMode
from matcher.retrieval.entries import OPEN_DEMAND_STATUSES, CorpusEntry, age_in_days
from matcher.retrieval.incidence import Incidence

__all__ = [
    "OPEN_DEMAND_STATUSES",
    "PROFILE_LANGUAGES",
    "Corpus",
    "CorpusEntry",
    "Filters",
    "age_in_days",
    "item_ids",
    "item_owner",
]

PROFILE_LANGUAGES = ("zh", "zh-tw", "en", "bi")
_ALWAYS = "\x00always"  # mask key of entries that pass whatever values are wanted
# entry attributes pair features compare with the query, as value sets (`incidence`)
INCIDENCE_ATTRIBUTES = ("concepts", "fields", "industries", "cooperation_modes", "language_families")
_UNKNOWN_DAY = np.nan
_ALLOWED_MEMO = 64  # distinct filter sets remembered (the page and the API repeat a few)


@dataclass
class Filters:
    """Hard filters; an empty list means "any".

    Attributes:
        industries: catalogue industry codes (any match).
        fields: catalogue field codes (any match).
        countries: ISO country codes.
        regions: city or country names/codes, matched case-insensitively.
        cooperation_modes: accepted cooperation modes (any match; experts with none listed pass).
        languages: languages the expert speaks or writes (any match).
        active_only: drop inactive experts / closed demands.
        exclude_ids: ids never returned.
    """

    industries: list[str] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    cooperation_modes: list[CooperationMode] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    active_only: bool = True
    exclude_ids: list[str] = field(default_factory=list)


class Corpus:
    """Entries of one collection, addressable by pk and id, with vectorised filters."""

    def __init__(self, entries: Iterable[CorpusEntry] = ()) -> None:
        self._entries: dict[int, CorpusEntry] = {}
        self._by_id: dict[str, int] = {}
        self._columns: dict[str, np.ndarray] | None = None
        self._language_codes: dict[str, int] = {"": 0}  # language → code in `_cols`; 0: unknown pks
        self._value_masks: dict[str, dict[str, np.ndarray]] = {}
        self._incidence: dict[str, Incidence] = {}
        self._aligned: tuple[Mapping[str, float], np.ndarray] | None = None
        self._sorted: list[CorpusEntry] | None = None
        self._allowed: dict[str, np.ndarray | None] = {}  # filters (repr) → their frozen pks
        self._allowed_items = AllowedMemo()
        for entry in entries:
            self.put(entry)

    def _changed(self) -> None:
        """Drop every column derived from the entries (rebuilt lazily by the next reader)."""
        self._columns = None
        self._sorted = None
        self._value_masks = {}
        self._incidence = {}
        self._aligned = None
        self._allowed = {}
        self._allowed_items.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, entry: CorpusEntry) -> None:
        """Insert or replace an entry."""
        old = self._by_id.get(entry.id)
        if old is not None and old != entry.pk:
            self._entries.pop(old, None)
        self._entries[entry.pk] = entry
        self._by_id[entry.id] = entry.pk
        self._changed()

    def remove(self, ids: Iterable[str]) -> list[int]:
        """Remove entries by id; returns their pks."""
        pks = [pk for i in ids if (pk := self._by_id.pop(i, None)) is not None]
        for pk in pks:
            self._entries.pop(pk, None)
        self._changed()
        return pks

    def get(self, pk: int) -> CorpusEntry:
        """Entry by pk (KeyError when absent)."""
        return self._entries[pk]

    def pk_of(self, record_id: str) -> int | None:
        """The pk of an id, or None."""
        return self._by_id.get(record_id)

    def entries(self) -> list[CorpusEntry]:
        """All entries ordered by pk (cached until the next change)."""
        if self._sorted is None:
            self._sorted = [self._entries[pk] for pk in sorted(self._entries)]
        return self._sorted

    def hashes(self) -> dict[str, str]:
        """id → content hash, to find changed records."""
        return {e.id: e.content_hash for e in self._entries.values()}

    def checksum(self) -> str:
        """Order-independent checksum of the indexed content."""
        import hashlib

        digest = hashlib.sha256()
        for record_id, content_hash in sorted(self.hashes().items()):
            digest.update(f"{record_id}={content_hash};".encode())
        return digest.hexdigest()

    def _cols(self) -> dict[str, np.ndarray]:
        if self._columns is None:
            entries = self.entries()
            self._language_codes = {"": 0}
            self._columns = {
                "pk": np.array([e.pk for e in entries], dtype=np.int64),
                "active": np.array([e.active for e in entries], dtype=bool),
                "country": np.array([e.country for e in entries], dtype=object),
                "city": np.array([e.city.lower() for e in entries], dtype=object),
                "country_lower": np.array([e.country.lower() for e in entries], dtype=object),
                "item_count": np.array([e.item_count for e in entries], dtype=np.int64),
                "language": np.array([e.language for e in entries], dtype=object),
                "language_code": np.array(
                    [self._language_codes.setdefault(e.language, len(self._language_codes)) for e in entries],
                    dtype=np.int64,
                ),
                "updated_day": np.array(
                    [e.updated_date.toordinal() if e.updated_date else _UNKNOWN_DAY for e in entries],
                    dtype=np.float64,
                ),
            }
        return self._columns

    def _any_of(self, attribute: str, wanted: set[str]) -> np.ndarray:
        """Mask of entries having any wanted value of a multi-valued attribute (masks built once)."""
        if attribute not in self._value_masks:
            entries = self.entries()
            positions: dict[str, list[int]] = {}
            always = np.zeros(len(entries), dtype=bool)
            for position, entry in enumerate(entries):
                values = entry.language_families if attribute == "languages" else getattr(entry, attribute)
                if attribute == "cooperation_modes" and not values:
                    always[position] = True  # an expert who states no preference is open to any mode
                for value in values:
                    positions.setdefault(value, []).append(position)
            masks = {_ALWAYS: always}
            for value, found in positions.items():
                mask = always.copy()
                mask[found] = True
                masks[value] = mask
            self._value_masks[attribute] = masks
        masks = self._value_masks[attribute]
        result = masks[_ALWAYS].copy()
        for value in wanted:
            if value in masks:
                result |= masks[value]
        return result

    def allowed_pks(self, filters: Filters) -> np.ndarray | None:
        """Sorted pks passing the filters, or None when every entry passes.

        The array is read-only and the same object while the entries do not change, so the indexes
        convert a filter that repeats across queries once (`embeddings.index.idmap.AllowedMemo`).
        """
        key = repr(filters)
        if key not in self._allowed:
            if len(self._allowed) >= _ALLOWED_MEMO:
                self._allowed.clear()
            pks = self._filter(filters)
            self._allowed[key] = None if pks is None else frozen(pks)
        return self._allowed[key]

    def _filter(self, filters: Filters) -> np.ndarray | None:
        cols = self._cols()
        entries = self.entries()
        mask = np.ones(len(entries), dtype=bool)
        if filters.active_only:
            mask &= cols["active"]
        if filters.countries:
            mask &= np.isin(cols["country"], [c.upper() for c in filters.countries])
        if filters.regions:
            wanted = [r.lower() for r in filters.regions]
            mask &= np.isin(cols["city"], wanted) | np.isin(cols["country_lower"], wanted)
        set_filters: list[tuple[set[str], str]] = [
            (set(filters.industries), "industries"),
            (set(filters.fields), "fields"),
            ({m.value for m in filters.cooperation_modes}, "cooperation_modes"),
            ({lang.lower() for lang in filters.languages}, "languages"),
        ]
        for wanted_set, attribute in set_filters:
            if wanted_set:
                mask &= self._any_of(attribute, wanted_set)
        if filters.exclude_ids:
            excluded = {self._by_id[i] for i in filters.exclude_ids if i in self._by_id}
            mask &= ~np.isin(cols["pk"], list(excluded))
        if mask.all():
            return None
        return cols["pk"][mask]

    def positions(self, pks: np.ndarray) -> np.ndarray:
        """Column positions of ``pks`` (-1 for unknown pks); the columns are in pk order."""
        known = self._cols()["pk"]
        pks = np.asarray(pks, dtype=np.int64)
        if known.size == 0:
            return np.full(pks.shape, -1, dtype=np.int64)
        positions = np.minimum(np.searchsorted(known, pks), known.size - 1)
        return np.where(known[positions] == pks, positions, -1)

    def incidence(self, attribute: str) -> Incidence:
        """The value sets ``attribute`` (one of `INCIDENCE_ATTRIBUTES`) of all entries, in pk order."""
        if attribute not in INCIDENCE_ATTRIBUTES:
            raise ValueError(f"no incidence for {attribute!r}; options: {', '.join(INCIDENCE_ATTRIBUTES)}")
        if attribute not in self._incidence:
            self._incidence[attribute] = Incidence.of([getattr(e, attribute) for e in self.entries()])
        return self._incidence[attribute]

    def updated_days(self, positions: np.ndarray) -> np.ndarray:
        """Proleptic ordinal day of each entry's last update (NaN when unknown), by column position."""
        return self._cols()["updated_day"][np.asarray(positions, dtype=np.int64)]

    def aligned(self, values: Mapping[str, float], positions: np.ndarray) -> np.ndarray:
        """``values`` (record id → number, absent = 0) of the entries at ``positions``, as float64.

        The per-entry column is built once per mapping object (a loop over the mapping, which holds
        few ids, never over candidates) and kept until the mapping or the entries change.
        """
        if self._aligned is None or self._aligned[0] is not values:
            column = np.zeros(len(self._entries), dtype=np.float64)
            pks = [pk for record_id in values if (pk := self._by_id.get(record_id)) is not None]
            found = self.positions(np.array(pks, dtype=np.int64))
            column[found] = [values[self._entries[pk].id] for pk in pks]
            self._aligned = (values, column)  # holding the mapping keeps its identity unique
        return self._aligned[1][np.asarray(positions, dtype=np.int64)]

    def item_counts(self, pks: np.ndarray) -> np.ndarray:
        """Number of indexed items of each pk (0 for unknown pks)."""
        positions = self.positions(pks)
        return np.where(positions >= 0, self._cols()["item_count"][positions], 0).astype(np.int64)

    def languages(self, pks: np.ndarray) -> np.ndarray:
        """Profile language of each pk (object array; "" for unknown pks)."""
        positions = self.positions(pks)
        return np.where(positions >= 0, self._cols()["language"][positions], "").astype(object)

    def language_codes(self, pks: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
        """`languages` as small integer codes and the language of each code ("" is code 0).

        Per-query language masks index a table of a few languages instead of comparing strings.
        """
        positions = self.positions(pks)
        codes = np.where(positions >= 0, self._cols()["language_code"][positions], 0)
        return codes, tuple(self._language_codes)

    def allowed_item_ids(self, allowed_pks: np.ndarray | None) -> np.ndarray | None:
        """Item ids of the allowed pks (None when every entry is allowed)."""
        if allowed_pks is None:
            return None
        return self._allowed_items.get(allowed_pks, self._item_ids_of)

    def _item_ids_of(self, pks: np.ndarray) -> np.ndarray:
        return frozen(item_ids(pks, self.item_counts(pks)))

    def save(self, path: Path) -> None:
        """Write all entries as JSON, atomically."""
        write_text_atomic(path, json.dumps([asdict(e) for e in self.entries()], ensure_ascii=False))

    @classmethod
    def load(cls, path: Path) -> Corpus:
        """Read entries written by `save`."""
        rows = json.loads(path.read_text(encoding="utf-8"))
        return cls(CorpusEntry(**row) for row in rows)


ITEM_BITS = 10  # an item id is (pk << ITEM_BITS) | position: the expert is one shift away


def item_ids(pks: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Item ids of each pk's ``count`` items, pk by pk in order (int64)."""
    pks = np.asarray(pks, dtype=np.int64)
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.repeat(pks << ITEM_BITS, counts)
    offsets = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return starts + offsets


def item_owner(ids: np.ndarray) -> np.ndarray:
    """The pk each item id belongs to."""
    return np.asarray(ids, dtype=np.int64) >> ITEM_BITS
