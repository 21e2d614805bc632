"""Guidance catalogue (导向目录): industries → fields → zh/en keywords.

The bundled default is ``matcher/catalogue/data/catalogue.json``::

    {"version": 1, "industries": [{"code": "new_energy", "zh": "新能源与储能", "en": "...",
      "fields": [{"code": "new_energy.battery", "zh": "...", "en": "...",
                  "keywords_zh": [...], "keywords_en": [...]}]}]}

`Catalogue.tag` scores fields by the distinct keywords found in a text (matched on normalised
text: traditional Chinese and full-width input match; English keywords match whole words, hyphen =
space, plural tolerant). Longer keywords weigh a little more because they are more specific.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.text.normalize import is_han, language_family, normalize
from embeddings.text.terms import TermMatcher, english_key

DEFAULT_CATALOGUE_PATH = Path(__file__).parent / "data" / "catalogue.json"
_MAX_WEIGHT_UNITS = 5


@dataclass(frozen=True)
class Industry:
    """A catalogue industry (e.g. ``new_energy`` 新能源与储能)."""

    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Field:
    """A field inside an industry, with the keywords that signal it."""

    code: str
    industry: str
    zh: str
    en: str
    keywords_zh: tuple[str, ...]
    keywords_en: tuple[str, ...]


def _keyword_key(keyword: str) -> str:
    """Canonical identity of a keyword: normalised; English words joined by single spaces."""
    norm = normalize(keyword)
    if any(is_han(char) for char in norm):
        return norm
    return " ".join(english_key(norm))


def _keyword_weight(key: str) -> float:
    """1.0 for a two-character / one-word keyword, +0.25 per extra unit, capped."""
    han_count = sum(1 for char in key if is_han(char))
    units = max(1, han_count // 2) if han_count else len(key.split(" "))
    return 1.0 + 0.25 * (min(units, _MAX_WEIGHT_UNITS) - 1)


class Catalogue:
    """Validated guidance catalogue with keyword tagging.

    Args:
        industries: industries in display order.
        fields: fields in display order; each code must start with ``"<industry>."``.

    Raises:
        ValueError: duplicate codes, unknown or mismatched industry prefix, empty names or
            keywords, or unsupported characters in an English keyword (the message names the code).
    """

    _default: Catalogue | None = None
    _default_lock = threading.Lock()

    def __init__(self, industries: Sequence[Industry], fields: Sequence[Field]) -> None:
        self.industries: list[Industry] = list(industries)
        self.fields: list[Field] = list(fields)
        self._industries = {industry.code: industry for industry in self.industries}
        self._fields = {field.code: field for field in self.fields}
        self._validate()
        self._fields_by_key: dict[str, list[str]] = {}
        surfaces: dict[str, str] = {}
        for field in self.fields:
            for keyword in (*field.keywords_zh, *field.keywords_en):
                try:
                    key = _keyword_key(keyword)
                except ValueError as error:
                    raise ValueError(f"catalogue field {field.code!r}: {error}") from None
                surfaces[keyword] = key
                codes = self._fields_by_key.setdefault(key, [])
                if field.code not in codes:
                    codes.append(field.code)
        self._matcher = TermMatcher(surfaces)
        self._weights = {key: _keyword_weight(key) for key in self._fields_by_key}
        self._names = {
            normalize(name): industry.code
            for industry in self.industries
            for name in (industry.code, industry.zh, industry.en)
        }

    def _validate(self) -> None:
        seen: set[str] = set()
        for industry in self.industries:
            if not industry.code or industry.code in seen:
                raise ValueError(f"catalogue industry code {industry.code!r} is empty or duplicated")
            if not industry.zh.strip() or not industry.en.strip():
                raise ValueError(f"catalogue industry {industry.code!r} needs zh and en names")
            seen.add(industry.code)
        for field in self.fields:
            if not field.code or field.code in seen:
                raise ValueError(f"catalogue field code {field.code!r} is empty or duplicated")
            seen.add(field.code)
            if field.industry not in self._industries:
                raise ValueError(f"catalogue field {field.code!r} names unknown industry {field.industry!r}")
            if not field.code.startswith(field.industry + ".") or field.code == field.industry + ".":
                raise ValueError(
                    f"catalogue field code {field.code!r} must start with {field.industry + '.'!r}"
                )
            if not field.zh.strip() or not field.en.strip():
                raise ValueError(f"catalogue field {field.code!r} needs zh and en names")
            if not field.keywords_zh or not field.keywords_en:
                raise ValueError(
                    f"catalogue field {field.code!r} needs non-empty keywords_zh and keywords_en"
                )
            if any(not keyword.strip() for keyword in (*field.keywords_zh, *field.keywords_en)):
                raise ValueError(f"catalogue field {field.code!r} has an empty keyword")

    @classmethod
    def load(cls, path: Path | None = None) -> Catalogue:
        """Load a catalogue JSON file; without ``path`` return the bundled default (loaded once).

        Raises:
            ValueError: malformed JSON or a catalogue that fails validation.
        """
        if path is None:
            with cls._default_lock:
                if cls._default is None:
                    cls._default = cls._read(DEFAULT_CATALOGUE_PATH)
                return cls._default
        return cls._read(Path(path))

    @classmethod
    def _read(cls, path: Path) -> Catalogue:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not valid JSON ({error})") from None
        try:
            return cls.from_dict(document)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> Catalogue:
        """Build from the JSON document shape described in the module docstring.

        Raises:
            ValueError: missing keys or wrong types (naming the industry or field).
        """
        if not isinstance(document, Mapping) or not isinstance(document.get("industries"), list):
            raise ValueError("catalogue must be an object with an 'industries' list")
        industries: list[Industry] = []
        fields: list[Field] = []
        for raw_industry in document["industries"]:
            code = str(raw_industry.get("code", "")) if isinstance(raw_industry, Mapping) else ""
            try:
                industries.append(Industry(code, str(raw_industry["zh"]), str(raw_industry["en"])))
                for raw_field in raw_industry["fields"]:
                    fields.append(_parse_field(raw_field, code))
            except (KeyError, TypeError) as error:
                raise ValueError(f"catalogue industry {code!r}: missing or invalid entry ({error})") from None
        return cls(industries, fields)

    def industry(self, code: str) -> Industry:
        """The industry with this code (KeyError naming the code if unknown)."""
        try:
            return self._industries[code]
        except KeyError:
            raise KeyError(f"unknown catalogue industry {code!r}") from None

    def field(self, code: str) -> Field:
        """The field with this code (KeyError naming the code if unknown)."""
        try:
            return self._fields[code]
        except KeyError:
            raise KeyError(f"unknown catalogue field {code!r}") from None

    def fields_of(self, industry_code: str) -> list[Field]:
        """Fields of one industry, in catalogue order."""
        self.industry(industry_code)
        return [field for field in self.fields if field.industry == industry_code]

    def label(self, code: str, language: str = "zh") -> str:
        """Display name of an industry or field code in ``language`` (zh/zh-tw → Chinese)."""
        entry: Industry | Field
        if code in self._industries:
            entry = self._industries[code]
        elif code in self._fields:
            entry = self._fields[code]
        else:
            raise KeyError(f"unknown catalogue code {code!r}")
        return entry.zh if language_family(language) == "zh" else entry.en

    def resolve_industry(self, value: str) -> str | None:
        """Map an industry code, Chinese or English name (any case, traditional ok) to its code."""
        if not value or not value.strip():
            return None
        return self._names.get(normalize(value))

    def terms(self) -> list[str]:
        """Normalised Chinese keywords and field/industry names (for the tokenizer dictionary)."""
        words = [normalize(keyword) for field in self.fields for keyword in field.keywords_zh]
        words += [normalize(field.zh) for field in self.fields]
        words += [normalize(industry.zh) for industry in self.industries]
        return list(dict.fromkeys(words))

    def tag(self, text: str, top: int = 3) -> list[tuple[str, float]]:
        """Fields signalled by ``text``, best first: ``[(field_code, score)]`` with score > 0.

        A field's score is the sum of the weights of the distinct keywords found (non-overlapping,
        longest match first); ties are broken by catalogue order.
        """
        keys = {hit.key for hit in self._matcher.find(text)}
        scores: dict[str, float] = {}
        for key in keys:
            for code in self._fields_by_key[key]:
                scores[code] = scores.get(code, 0.0) + self._weights[key]
        order = {field.code: index for index, field in enumerate(self.fields)}
        ranked = sorted(scores.items(), key=lambda item: (-item[1], order[item[0]]))
        return [(code, round(score, 4)) for code, score in ranked[: max(top, 0)]]

    def industries_for(self, text: str, top: int = 3) -> list[str]:
        """Industry codes of the tagged fields, best first, without repeats."""
        ranked = self.tag(text, top=len(self.fields))
        return list(dict.fromkeys(self._fields[code].industry for code, _ in ranked))[: max(top, 0)]


def _parse_field(raw: Mapping[str, Any], industry_code: str) -> Field:
    code = str(raw.get("code", ""))
    keywords: dict[str, tuple[str, ...]] = {}
    for name in ("keywords_zh", "keywords_en"):
        value = raw.get(name)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"catalogue field {code!r}: {name} must be a list of strings")
        keywords[name] = tuple(item.strip() for item in value)
    return Field(
        code=code,
        industry=industry_code,
        zh=str(raw["zh"]),
        en=str(raw["en"]),
        keywords_zh=keywords["keywords_zh"],
        keywords_en=keywords["keywords_en"],
    )
