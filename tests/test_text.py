"""Tests for text normalisation, language detection and the bilingual tokenizer."""

from __future__ import annotations

import hashlib

import pytest

from embeddings.text.normalize import content_hash, detect_language, language_family, normalize, to_simplified
from embeddings.text.tokenize import Tokenizer, default_chinese_stopwords, default_english_stopwords, stem


def test_normalize_folds_traditional_full_width_case_and_spaces() -> None:
    assert normalize("鋰電池正極材料") == "锂电池正极材料"
    assert normalize("  ＡＢＣ　１２３，Ｌｉ－ＩＯＮ  ") == "abc 123,li-ion"
    assert normalize("Solid-State\n\tBattery   R&D") == "solid-state battery r&d"
    assert normalize("") == ""


def test_to_simplified_only_converts_script() -> None:
    assert to_simplified("醫療器械 ABC") == "医疗器械 ABC"
    assert to_simplified("") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("锂电池正极材料研发与产业化", "zh"),
        ("鋰電池正極材料研發與產業化", "zh-tw"),
        ("國立臺灣大學 電機工程學系 教授", "zh-tw"),
        ("Solid-state battery research for electric vehicles", "en"),
        ("基于Transformer的大语言模型微调", "zh"),  # Han chars outweigh the Latin word
        ("Expert in machine learning and computer vision (计算机视觉)", "en"),
        ("ＣＮＣ　ｍａｃｈｉｎｅ", "en"),
        ("", ""),
        ("12345 !!! ---", ""),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_language_family_and_content_hash() -> None:
    assert language_family("zh") == "zh"
    assert language_family("zh-tw") == "zh"
    assert language_family("en") == "en"
    assert language_family("") == "en"
    assert content_hash("固态电池") == hashlib.sha256("固态电池".encode()).hexdigest()
    assert content_hash("a") != content_hash("b")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("batteries", "battery"),
        ("materials", "material"),
        ("processes", "process"),
        ("approaches", "approach"),
        ("technologies", "technology"),
        ("glass", "glass"),
        ("gas", "gas"),
        ("gases", "gas"),
        ("analysis", "analysis"),
        ("analyses", "analysis"),
        ("mems", "mems"),
        ("diabetes", "diabetes"),
        ("robotics", "robotics"),
        ("battery", "battery"),
    ],
)
def test_stem_plural_to_singular(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.fixture(scope="module")
def domain_tokenizer() -> Tokenizer:
    return Tokenizer(user_words=["钙钛矿太阳能电池", "碳化硅功率器件"])


def test_tokenizer_keeps_user_word_whole_and_adds_sub_words(domain_tokenizer: Tokenizer) -> None:
    tokens = domain_tokenizer.tokenize("钙钛矿太阳能电池的制备工艺，以及碳化硅功率器件")
    assert "钙钛矿太阳能电池" in tokens
    assert "碳化硅功率器件" in tokens
    assert {"钙钛矿", "电池", "碳化硅"} <= set(tokens)  # search mode also yields sub-words
    assert "的" not in tokens and "以及" not in tokens
    assert "，" not in tokens and "," not in tokens


def test_tokenizer_without_user_word_splits_it() -> None:
    tokens = Tokenizer().tokenize("钙钛矿太阳能电池")
    assert "钙钛矿太阳能电池" not in tokens
    assert "钙钛矿" in tokens


def test_tokenizer_traditional_input_matches_simplified(domain_tokenizer: Tokenizer) -> None:
    assert domain_tokenizer.tokenize("鈣鈦礦太陽能電池") == domain_tokenizer.tokenize("钙钛矿太阳能电池")


def test_tokenizer_english_words_stemming_and_stopwords(domain_tokenizer: Tokenizer) -> None:
    tokens = domain_tokenizer.tokenize(
        "We need the Li-ion Batteries, cathode materials, MEMS and 5G processes."
    )
    assert tokens == [
        "need", "li", "ion", "li-ion", "battery", "cathode", "material", "mems", "5g", "process",
    ]  # fmt: skip


def test_tokenizer_mixed_text_and_determinism(domain_tokenizer: Tokenizer) -> None:
    text = "开发5G基站的GaN射频芯片 for base stations"
    first = domain_tokenizer.tokenize(text)
    assert first == domain_tokenizer(text)
    assert "5g" in first and "gan" in first and "基站" in first
    assert first[-2:] == ["base", "station"]
    assert domain_tokenizer.tokenize("") == []


def test_custom_english_stopwords() -> None:
    tokenizer = Tokenizer(english_stopwords=frozenset({"battery"}))
    assert tokenizer.tokenize("the battery") == ["the"]


def test_bundled_stopwords_do_not_hold_domain_words() -> None:
    english = default_english_stopwords()
    chinese = default_chinese_stopwords()
    assert {"the", "and", "of"} <= english
    assert {"的", "了", "和", "与", "及", "等", "我们", "需要", "相关"} <= chinese
    for domain_word in ("battery", "material", "glass", "cell", "power", "data"):
        assert domain_word not in english
    for domain_word in ("技术", "材料", "电池", "芯片", "研发", "工艺"):
        assert domain_word not in chinese


def test_the_encoder_reads_chinese_as_simplified_while_language_stays_traditional() -> None:
    from matcher.domain.records import Expert
    from matcher.retrieval.profiles import Analyzer, embedding_text

    assert embedding_text("固態電池與電解質") == "固态电池与电解质"
    assert embedding_text("Solid-state batteries") == "Solid-state batteries"
    expert = Expert(
        id="TW1",
        name="陳志明",
        country="TW",
        bio="長期從事鋰離子電池正極材料研究",
        publications=["高鎳三元正極包覆"],
    )
    analysis = Analyzer().analyze_expert(expert)
    assert analysis.language == "zh-tw"
    assert "锂离子电池" in analysis.text and all("鎳" not in item for item in analysis.items)
