"""zh↔en technical glossary: concepts with Chinese and English surface forms.

The bundled file ``embeddings/text/data/glossary.tsv`` has a header and four tab-separated columns:
``concept_id``, ``industry``, ``zh`` (forms separated by ``|``), ``en`` (forms separated by ``|``).
Each surface form (after normalisation, hyphen = space) belongs to exactly one concept. Matching runs
on `normalize(text)`, so traditional Chinese and full-width input match simplified forms; hit
offsets index into the normalised text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.text.normalize import is_han, language_family, normalize
from embeddings.text.terms import TermMatcher, english_key

DEFAULT_GLOSSARY_PATH = Path(__file__).parent / "data" / "glossary.tsv"
_COLUMNS = ("concept_id", "industry", "zh", "en")


@dataclass(frozen=True)
class Concept:
    """One technical concept with its surface forms (first form = preferred label)."""

    concept_id: str
    industry: str
    zh: tuple[str, ...]
    en: tuple[str, ...]

    def label(self, lang: str) -> str:
        """Preferred form in ``lang`` (``zh``/``zh-tw`` → Chinese, anything else → English)."""
        return self.zh[0] if language_family(lang) == "zh" else self.en[0]


@dataclass(frozen=True, slots=True)
class ConceptHit:
    """A concept found in text; ``start``/``end`` index into ``normalize(text)``."""

    concept_id: str
    surface: str
    language: str
    start: int
    end: int


class Glossary:
    """A validated set of concepts with a compiled matcher.

    Build with `Glossary.load` (TSV file) or `Glossary.from_rows` (tests, custom glossaries).
    """

    _default: Glossary | None = None
    _default_lock = threading.Lock()

    def __init__(self, concepts: Sequence[Concept]) -> None:
        self.concepts: dict[str, Concept] = {concept.concept_id: concept for concept in concepts}
        forms = {form: concept.concept_id for concept in concepts for form in (*concept.zh, *concept.en)}
        self._matcher = TermMatcher(forms)

    @classmethod
    def load(cls, path: Path | None = None) -> Glossary:
        """Load a glossary TSV; without ``path`` return the bundled glossary (loaded once).

        Raises:
            ValueError: malformed line, duplicate concept id or duplicate surface form (names the line).
        """
        if path is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls._read(DEFAULT_GLOSSARY_PATH)
                return cls._default
        return cls._read(Path(path))

    @classmethod
    def _read(cls, path: Path) -> Glossary:
        lines = path.read_text(encoding="utf-8").splitlines()
        if not lines or tuple(lines[0].split("\t")) != _COLUMNS:
            raise ValueError(f"{path}:1: header must be {' TAB '.join(_COLUMNS)}")
        rows = [(number, line.split("\t")) for number, line in enumerate(lines[1:], start=2) if line.strip()]
        return cls._build(rows, source=str(path))

    @classmethod
    def from_rows(cls, rows: Iterable[Sequence[str]]) -> Glossary:
        """Build from ``(concept_id, industry, zh_forms, en_forms)`` rows; forms joined by ``|``."""
        return cls._build(list(enumerate((list(row) for row in rows), start=1)), source="rows")

    @classmethod
    def _build(cls, rows: list[tuple[int, list[str]]], source: str) -> Glossary:
        concepts: list[Concept] = []
        seen_ids: dict[str, int] = {}
        seen_forms: dict[object, tuple[int, str]] = {}
        for number, cells in rows:
            where = f"{source}:{number}"
            if len(cells) != len(_COLUMNS):
                raise ValueError(f"{where}: expected {len(_COLUMNS)} tab-separated columns, got {len(cells)}")
            concept_id, industry, zh_cell, en_cell = (cell.strip() for cell in cells)
            if not concept_id or not industry:
                raise ValueError(f"{where}: concept_id and industry must not be empty")
            if concept_id in seen_ids:
                raise ValueError(
                    f"{where}: duplicate concept id {concept_id!r} (first on line {seen_ids[concept_id]})"
                )
            seen_ids[concept_id] = number
            zh = _split_forms(zh_cell)
            en = _split_forms(en_cell)
            if not zh or not en:
                raise ValueError(f"{where}: concept {concept_id!r} needs at least one zh and one en form")
            for form in zh:
                if not any(is_han(char) for char in form):
                    raise ValueError(f"{where}: zh form {form!r} has no Chinese characters")
            for form in (*zh, *en):
                key = _form_key(form, where)
                if key in seen_forms:
                    first_line, first_id = seen_forms[key]
                    raise ValueError(
                        f"{where}: surface form {form!r} of {concept_id!r} duplicates one of "
                        f"{first_id!r} (line {first_line})"
                    )
                seen_forms[key] = (number, concept_id)
            concepts.append(Concept(concept_id, industry, zh, en))
        return cls(concepts)

    def __len__(self) -> int:
        return len(self.concepts)

    def find(self, text: str) -> list[ConceptHit]:
        """Find concepts in ``text`` (non-overlapping, longest first), ordered by position."""
        return [
            ConceptHit(hit.key, hit.surface, hit.language, hit.start, hit.end)
            for hit in self._matcher.find(text)
        ]

    def concept_ids(self, text: str) -> list[str]:
        """Unique concept ids found in ``text``, in order of first appearance."""
        return list(dict.fromkeys(hit.concept_id for hit in self.find(text)))

    def zh_terms(self) -> list[str]:
        """All normalised Chinese forms (for the tokenizer's user dictionary)."""
        return [normalize(form) for concept in self.concepts.values() for form in concept.zh]

    def translate(self, concept_id: str, language: str) -> str:
        """Preferred label of a concept in ``language``.

        Raises:
            KeyError: unknown concept id.
        """
        try:
            return self.concepts[concept_id].label(language)
        except KeyError:
            raise KeyError(f"unknown glossary concept {concept_id!r}") from None

    def industries(self) -> dict[str, int]:
        """Number of concepts per industry code."""
        counts: dict[str, int] = {}
        for concept in self.concepts.values():
            counts[concept.industry] = counts.get(concept.industry, 0) + 1
        return counts


def _split_forms(cell: str) -> tuple[str, ...]:
    return tuple(form.strip() for form in cell.split("|") if form.strip())


def _form_key(form: str, where: str) -> object:
    """Identity of a form for duplicate checks: normalised text, English hyphen = space."""
    norm = normalize(form)
    if any(is_han(char) for char in norm):
        return norm
    try:
        return english_key(norm)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
