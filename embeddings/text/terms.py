"""Fast multi-term matching over normalised text, shared by the glossary and the catalogue.

Chinese terms (any term containing a Han character) are found as substrings: at each position the
term lengths known for its first character are tried longest first in a dict. With ~1,500 terms
this is about 3× faster than one big regex alternation, which ``re`` tries branch by branch. Terms
made only of Han characters lie inside one run of Han characters, and runs repeat across profiles
("锂电池", field names), so those hits are found per run and remembered (a bounded cache); the few
terms mixing scripts ("5g通信", "ai芯片") are found by one regex over the whole text.
English terms are matched on word n-grams (words separated only by spaces or hyphens, so "solid state" equals
"solid-state"), tolerant of a plural last word (-s, -es, -y → -ies). Overlapping hits are resolved
longest first, then leftmost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from embeddings.text.normalize import normalize

_WORD_RE = re.compile(r"[a-z0-9\u00c0-\u024f]+")
_JOINER_RE = re.compile(r"[\s\-]+")
_JOINERS = " \t\n\r\f\v-"
_HAS_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HAN_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_RUN_CACHE_SIZE = 65_536  # distinct Han runs remembered per matcher (a few MB)
_VOWELS = frozenset("aeiou")

WordKey = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TermHit:
    """One matched term: ``key`` is the caller's payload; offsets index into ``normalize(text)``."""

    key: str
    surface: str
    language: str
    start: int
    end: int


def english_key(form: str) -> WordKey:
    """Return the word tuple of a normalised English form, rejecting unsupported characters.

    Raises:
        ValueError: if the form holds characters other than letters, digits, spaces and hyphens.
    """
    words = tuple(_WORD_RE.findall(form))
    if not words or " ".join(words) != _JOINER_RE.sub(" ", form).strip(" "):
        raise ValueError(f"English term {form!r} may only contain letters, digits, spaces and hyphens")
    return words


def plural_variants(word: str) -> list[str]:
    """Return the plural spellings accepted for ``word`` as the last word of a term."""
    variants = [word + "s", word + "es"]
    if len(word) > 2 and word.endswith("y") and word[-2] not in _VOWELS:
        variants.append(word[:-1] + "ies")
    return variants


class TermMatcher:
    """Find many zh/en terms in text in one pass.

    Args:
        terms: mapping of surface form → key (the payload returned in hits). Forms are normalised
            with `normalize`; forms containing Han characters are matched as substrings, others as
            whole English words.

    Raises:
        ValueError: if an English form has unsupported characters or two forms normalise to the
            same surface with different keys.
    """

    def __init__(self, terms: Mapping[str, str]) -> None:
        self._zh_keys: dict[str, str] = {}
        self._en_exact: dict[WordKey, str] = {}
        self._en_plural: dict[WordKey, str] = {}
        for raw_form, key in terms.items():
            form = normalize(raw_form)
            if not form:
                raise ValueError(f"empty term for key {key!r}")
            if _HAS_HAN_RE.search(form):
                self._add_unique(self._zh_keys, form, key, raw_form)
            else:
                self._add_unique(self._en_exact, english_key(form), key, raw_form)
        for words, key in self._en_exact.items():
            for variant in plural_variants(words[-1]):
                plural = (*words[:-1], variant)
                if plural not in self._en_exact:
                    self._en_plural.setdefault(plural, key)
        self._en_prefixes = frozenset(
            words[:size] for words in (*self._en_exact, *self._en_plural) for size in range(1, len(words) + 1)
        )
        self._en_first_words = frozenset(words[0] for words in self._en_prefixes)
        lengths: dict[str, set[int]] = {}
        for form in self._zh_keys:
            lengths.setdefault(form[0], set()).add(len(form))
        self._zh_lengths = {char: tuple(sorted(sizes, reverse=True)) for char, sizes in lengths.items()}
        mixed = sorted((f for f in self._zh_keys if not _HAN_RUN_RE.fullmatch(f)), key=len, reverse=True)
        # longest first: at each start the alternation takes the longest mixed term there
        self._zh_mixed_re = re.compile("(?=(" + "|".join(map(re.escape, mixed)) + "))") if mixed else None
        self._run_hits: dict[str, tuple[tuple[int, int, str], ...]] = {}

    @staticmethod
    def _add_unique(table: dict[Any, str], surface: object, key: str, raw_form: str) -> None:
        previous = table.get(surface)
        if previous is not None and previous != key:
            raise ValueError(f"term {raw_form!r} is used by both {previous!r} and {key!r}")
        table[surface] = key

    def __len__(self) -> int:
        return len(self._zh_keys) + len(self._en_exact)

    def find(self, text: str, *, normalized: bool = False, overlapping: bool = False) -> list[TermHit]:
        """Return term hits in ``text`` ordered by start offset.

        Args:
            text: raw text (normalised here) or already normalised text with ``normalized=True``.
            overlapping: keep every candidate (the longest per start position) instead of resolving
                overlaps longest-first.
        """
        norm = text if normalized else normalize(text)
        if not norm:
            return []
        candidates = self._find_zh(norm) + self._find_en(norm)
        if not overlapping:
            candidates = _resolve_overlaps(candidates, len(norm))
        candidates.sort(key=lambda hit: (hit.start, hit.end))
        return candidates

    def _find_zh(self, norm: str) -> list[TermHit]:
        # longest term starting at each position: pure-Han ones per run, mixed ones by regex
        best: dict[int, tuple[int, str]] = {}
        for run in _HAN_RUN_RE.finditer(norm):
            offset = run.start()
            for start, length, key in self._run_terms(run.group()):
                best[offset + start] = (length, key)
        if self._zh_mixed_re is not None:
            for match in self._zh_mixed_re.finditer(norm):
                start, form = match.start(), match.group(1)
                if len(form) > best.get(start, (0, ""))[0]:
                    best[start] = (len(form), self._zh_keys[form])
        return [
            TermHit(key, norm[start : start + length], "zh", start, start + length)
            for start, (length, key) in sorted(best.items())
        ]

    def _run_terms(self, run: str) -> tuple[tuple[int, int, str], ...]:
        """``(start, length, key)`` of the longest pure-Han term at each position of a Han run."""
        cached = self._run_hits.get(run)
        if cached is not None:
            return cached
        lengths_by_first = self._zh_lengths
        keys = self._zh_keys
        hits = []
        for start, char in enumerate(run):
            lengths = lengths_by_first.get(char)
            if lengths is None:
                continue
            for length in lengths:  # longest first: one candidate per start position
                if start + length > len(run):
                    continue  # a mixed term reaching past the run: matched by the regex
                key = keys.get(run[start : start + length])
                if key is not None:
                    hits.append((start, length, key))
                    break
        found = tuple(hits)
        if len(self._run_hits) >= _RUN_CACHE_SIZE:
            self._run_hits.clear()  # simple bound; runs that matter come back at once
        self._run_hits[run] = found
        return found

    def _find_en(self, norm: str) -> list[TermHit]:
        first_words = self._en_first_words
        if not first_words:
            return []
        matches = list(_WORD_RE.finditer(norm))
        words = [match.group() for match in matches]
        hits: list[TermHit] = []
        exact, plural, prefixes = self._en_exact, self._en_plural, self._en_prefixes
        for i in [i for i, word in enumerate(words) if word in first_words]:  # few words start a term
            # Grow the phrase while it is still the prefix of some term; remember the longest term.
            phrase: WordKey = (words[i],)
            stop = i
            best: tuple[str, int] | None = None
            while True:
                key = exact.get(phrase) or plural.get(phrase)
                if key is not None:
                    best = (key, stop)
                following = stop + 1
                # the next word joins the phrase only when spaces or hyphens alone separate them
                if following >= len(words) or norm[matches[stop].end() : matches[following].start()].strip(
                    _JOINERS
                ):
                    break
                phrase = (*phrase, words[following])
                if phrase not in prefixes:
                    break
                stop = following
            if best is not None:
                start, end = matches[i].start(), matches[best[1]].end()
                hits.append(TermHit(best[0], norm[start:end], "en", start, end))
        return hits


def _resolve_overlaps(candidates: list[TermHit], length: int) -> list[TermHit]:
    """Keep the longest hits first (leftmost on ties), dropping any that overlap a kept one."""
    taken = bytearray(length)
    kept = []
    for hit in sorted(candidates, key=lambda h: (h.start - h.end, h.start)):
        if not any(taken[hit.start : hit.end]):
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
            kept.append(hit)
    return kept
