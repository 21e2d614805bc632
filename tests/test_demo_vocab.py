"""Tests for the topic bank loader (pipelines/demo/topics.py over pipelines/demo/vocab/topics.json)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines.demo.topics import (
    DEFAULT_TOPICS_PATH,
    INDUSTRIES_BY_CODE,
    TOPICS,
    TopicBankError,
    load_topic_bank,
)


def _bank_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DEFAULT_TOPICS_PATH.read_text(encoding="utf-8"))
    return document


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "topics.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_bundled_bank_loads_in_file_order_with_full_related_ids() -> None:
    bank = load_topic_bank()
    document = _bank_document()
    assert [i.code for i in bank.industries] == [i["code"] for i in document["industries"]]
    assert [t.id for t in bank.topics] == [t["id"] for i in document["industries"] for t in i["topics"]]
    wireless = next(t for t in TOPICS if t.id == "ngit.wireless_5g")
    assert wireless.related == ("ngit.optical_comm", "ngit.industrial_iot")
    assert wireless.keywords[0] == ("大规模MIMO", "massive MIMO")
    assert wireless.keywords_en[0] == "massive MIMO"
    assert INDUSTRIES_BY_CODE["ai"].company_suffix_zh == "智能科技"


def test_loaded_entries_are_frozen() -> None:
    with pytest.raises(AttributeError):
        TOPICS[0].label_en = "changed"  # type: ignore[misc]


def _first_topic(document: dict[str, Any]) -> dict[str, Any]:
    topic: dict[str, Any] = document["industries"][0]["topics"][0]
    return topic


def _drop_english_keyword(document: dict[str, Any]) -> None:
    del _first_topic(document)["keywords"][1]["en"]


def _relate_across_industries(document: dict[str, Any]) -> None:
    _first_topic(document)["related"].append(document["industries"][1]["topics"][0]["id"])


def _duplicate_topic(document: dict[str, Any]) -> None:
    document["industries"][0]["topics"].append(copy.deepcopy(_first_topic(document)))


def _too_few_keywords(document: dict[str, Any]) -> None:
    del _first_topic(document)["keywords"][2:]


def _empty_demand_templates(document: dict[str, Any]) -> None:
    _first_topic(document)["demand_en"] = []


def _topic_in_wrong_industry(document: dict[str, Any]) -> None:
    _first_topic(document)["id"] = "ai.wireless_5g"


def _misspell_related(document: dict[str, Any]) -> None:
    _first_topic(document)["relatd"] = _first_topic(document).pop("related")


@pytest.mark.parametrize(
    ("break_bank", "expected"),
    [
        (_drop_english_keyword, "topic 'ngit.wireless_5g' keyword: 'en' must be a non-empty string"),
        (_relate_across_industries, "topic 'ngit.wireless_5g': related 'ai."),
        (_duplicate_topic, "topic 'ngit.wireless_5g': duplicate topic id"),
        (_too_few_keywords, "topic 'ngit.wireless_5g': needs at least 3 distinct keywords"),
        (_empty_demand_templates, "topic 'ngit.wireless_5g': bio_zh, bio_en, demand_zh, demand_en"),
        (_misspell_related, "topic 'ngit.wireless_5g': unknown key(s) 'relatd'"),
        (_topic_in_wrong_industry, "topic 'ai.wireless_5g': id must start with 'ngit.'"),
    ],
)
def test_broken_bank_names_file_and_entry(
    tmp_path: Path, break_bank: Callable[[dict[str, Any]], None], expected: str
) -> None:
    document = _bank_document()
    break_bank(document)
    path = _write(tmp_path, document)
    with pytest.raises(TopicBankError) as raised:
        load_topic_bank(path)
    assert str(raised.value).startswith(f"{path}: ")
    assert expected in str(raised.value)


def test_unparseable_file_and_wrong_version_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "topics.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(TopicBankError, match="not valid JSON"):
        load_topic_bank(path)
    document = _bank_document()
    document["version"] = 2
    with pytest.raises(TopicBankError, match="version 1"):
        load_topic_bank(_write(tmp_path, document))
