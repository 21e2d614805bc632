"""Topic bank for the synthetic demo data: 14 catalogue industries, 65 fine-grained topics.

The bank itself is data, in ``pipelines/demo/vocab/topics.json`` (UTF-8): each industry carries the suffix
used for enterprise names and its topics; each topic carries bilingual keywords (real technical terms),
bio sentence templates and enterprise demand templates in simplified Chinese and English. Traditional
Chinese text is never written there: the generator converts simplified text with OpenCC. Gold labels are
derived from topic identity and the ``related`` links, never from engine output.

This module loads and validates the file once, at import, into frozen dataclasses. A malformed bank fails
with a `TopicBankError` naming the file and the industry or topic at fault.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

DEFAULT_TOPICS_PATH = Path(__file__).parent / "vocab" / "topics.json"
BANK_VERSION = 1
# The expert generator draws three distinct keywords of a topic for one bio sentence.
MIN_KEYWORDS = 3
_INDUSTRY_KEYS = ("code", "label_zh", "label_en", "company_suffix_zh", "company_suffix_en")
_TEMPLATE_KEYS = ("bio_zh", "bio_en", "demand_zh", "demand_en")
_TOPIC_KEYS = frozenset({"id", "label_zh", "label_en", "keywords", "related", *_TEMPLATE_KEYS})


class TopicBankError(ValueError):
    """The topic bank file is not valid JSON or breaks the bank's shape (message names file and entry)."""


@dataclass(frozen=True)
class Industry:
    """A catalogue industry with the suffix used to make enterprise names in it."""

    code: str
    label_zh: str
    label_en: str
    company_suffix_zh: str
    company_suffix_en: str


@dataclass(frozen=True)
class Topic:
    """A fine-grained research / demand topic inside one industry."""

    id: str
    industry: str
    label_zh: str
    label_en: str
    keywords: tuple[tuple[str, str], ...]  # (zh, en) pairs
    bio_zh: tuple[str, ...]
    bio_en: tuple[str, ...]
    demand_zh: tuple[str, ...]
    demand_en: tuple[str, ...]
    related: tuple[str, ...]  # topic ids in the same industry that count as partially relevant

    @cached_property
    def keywords_zh(self) -> tuple[str, ...]:
        """Chinese keywords in bank order."""
        return tuple(zh for zh, _ in self.keywords)

    @cached_property
    def keywords_en(self) -> tuple[str, ...]:
        """English keywords in bank order."""
        return tuple(en for _, en in self.keywords)


@dataclass(frozen=True)
class TopicBank:
    """Industries and topics in file order (the generator's draws depend on that order)."""

    industries: tuple[Industry, ...]
    topics: tuple[Topic, ...]


def load_topic_bank(path: Path = DEFAULT_TOPICS_PATH) -> TopicBank:
    """Read and validate a topic bank JSON file.

    Raises:
        TopicBankError: unreadable JSON, a missing or mistyped key, a duplicate id, too few keywords
            or a ``related`` link that leaves the industry; the message starts with the file name.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise TopicBankError(f"{path}: not valid JSON ({error})") from None
    try:
        return _parse_bank(document)
    except TopicBankError as error:
        raise TopicBankError(f"{path}: {error}") from None


def _parse_bank(document: Any) -> TopicBank:
    if not isinstance(document, Mapping) or document.get("version") != BANK_VERSION:
        raise TopicBankError(f"must be an object with version {BANK_VERSION} and an 'industries' list")
    industries: list[Industry] = []
    topics: list[Topic] = []
    for position, raw in enumerate(_list(document, "industries", "the bank")):
        where = f"industry #{position + 1}"
        if not isinstance(raw, Mapping):
            raise TopicBankError(f"{where}: must be an object")
        industry = Industry(*(_text(raw, key, where) for key in _INDUSTRY_KEYS))
        where = f"industry {industry.code!r}"
        _reject_unknown_keys(raw, {*_INDUSTRY_KEYS, "topics"}, where)
        if any(known.code == industry.code for known in industries):
            raise TopicBankError(f"{where}: duplicate industry code")
        industries.append(industry)
        raw_topics = _list(raw, "topics", where)
        if not raw_topics:
            raise TopicBankError(f"{where}: has no topics")
        topics.extend(_parse_topic(raw_topic, industry.code, where) for raw_topic in raw_topics)
    _check_topic_links(topics)
    return TopicBank(tuple(industries), tuple(topics))


def _parse_topic(raw: Any, industry: str, industry_where: str) -> Topic:
    if not isinstance(raw, Mapping):
        raise TopicBankError(f"{industry_where}: every topic must be an object")
    topic_id = _text(raw, "id", f"{industry_where}: a topic")
    where = f"topic {topic_id!r}"
    _reject_unknown_keys(raw, _TOPIC_KEYS, where)
    if not topic_id.startswith(industry + ".") or topic_id == industry + ".":
        raise TopicBankError(f"{where}: id must start with {industry + '.'!r}")
    keywords = tuple(_keyword(item, where) for item in _list(raw, "keywords", where))
    if len(keywords) < MIN_KEYWORDS or len(set(keywords)) != len(keywords):
        raise TopicBankError(f"{where}: needs at least {MIN_KEYWORDS} distinct keywords")
    templates = {key: _texts(raw, key, where) for key in _TEMPLATE_KEYS}
    if not all(templates.values()):
        raise TopicBankError(f"{where}: {', '.join(_TEMPLATE_KEYS)} must each hold a sentence")
    return Topic(
        id=topic_id,
        industry=industry,
        label_zh=_text(raw, "label_zh", where),
        label_en=_text(raw, "label_en", where),
        keywords=keywords,
        related=_texts(raw, "related", where),
        **templates,
    )


def _check_topic_links(topics: list[Topic]) -> None:
    by_id: dict[str, Topic] = {}
    for topic in topics:
        if topic.id in by_id:
            raise TopicBankError(f"topic {topic.id!r}: duplicate topic id")
        by_id[topic.id] = topic
    for topic in topics:
        for other in topic.related:
            if other == topic.id or other not in by_id or by_id[other].industry != topic.industry:
                raise TopicBankError(
                    f"topic {topic.id!r}: related {other!r} is not another topic of {topic.industry!r}"
                )


def _reject_unknown_keys(raw: Mapping[str, Any], known: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:  # a misspelt key would otherwise silently drop its data
        raise TopicBankError(f"{where}: unknown key(s) {', '.join(map(repr, unknown))}")


def _list(raw: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list):
        raise TopicBankError(f"{where}: {key!r} must be a list")
    return value


def _text(raw: Mapping[str, Any], key: str, where: str) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TopicBankError(f"{where}: {key!r} must be a non-empty string")
    return value


def _texts(raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    values = _list(raw, key, where)
    if not all(isinstance(value, str) and value.strip() for value in values):
        raise TopicBankError(f"{where}: every item of {key!r} must be a non-empty string")
    return tuple(values)


def _keyword(item: Any, where: str) -> tuple[str, str]:
    if not isinstance(item, Mapping):
        raise TopicBankError(f"{where}: every keyword must be an object with 'zh' and 'en'")
    return _text(item, "zh", f"{where} keyword"), _text(item, "en", f"{where} keyword")


_BANK = load_topic_bank()
INDUSTRIES: tuple[Industry, ...] = _BANK.industries
TOPICS: tuple[Topic, ...] = _BANK.topics
TOPICS_BY_ID: dict[str, Topic] = {topic.id: topic for topic in TOPICS}
INDUSTRIES_BY_CODE: dict[str, Industry] = {industry.code: industry for industry in INDUSTRIES}
