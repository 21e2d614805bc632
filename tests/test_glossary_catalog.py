"""Tests for the zh↔en glossary, the term matcher and the guidance catalogue."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from embeddings.text.glossary import Glossary
from embeddings.text.terms import TermMatcher
from embeddings.text.tokenize import Tokenizer
from matcher.catalogue.catalogue import DEFAULT_CATALOGUE_PATH, Catalogue

INDUSTRY_CODES = {
    "ngit", "ai", "semiconductors", "equipment", "materials", "new_energy", "biomedicine",
    "medical_devices", "environment", "agriculture", "digital_creative", "automotive", "aerospace",
    "chemicals",
}  # fmt: skip


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load()


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return Catalogue.load()


# --- glossary -------------------------------------------------------------------------------------


def test_glossary_coverage(glossary: Glossary) -> None:
    counts = glossary.industries()
    assert len(glossary) >= 450
    assert set(counts) == INDUSTRY_CODES
    assert min(counts.values()) >= 25
    for concept_id, concept in glossary.concepts.items():
        assert concept_id.startswith(concept.industry + ".")
        assert concept.zh and concept.en


def test_glossary_default_is_cached(glossary: Glossary) -> None:
    assert Glossary.load() is glossary


def test_find_chinese_longest_match(glossary: Glossary) -> None:
    hits = glossary.find("我们需要全固态电池和碳化硅功率器件方面的专家")
    assert [(h.concept_id, h.surface, h.language) for h in hits] == [
        ("new_energy.solid_state_battery", "全固态电池", "zh"),
        ("semiconductors.silicon_carbide", "碳化硅", "zh"),
        ("semiconductors.power_semiconductor", "功率器件", "zh"),
    ]
    first = hits[0]
    assert (first.start, first.end) == (4, 9)


def test_find_traditional_and_full_width(glossary: Glossary) -> None:
    assert glossary.concept_ids("鋰離子電池正極材料與手術機器人") == [
        "new_energy.lithium_ion_battery",
        "new_energy.cathode_material",
        "medical_devices.surgical_robot",
    ]
    assert glossary.concept_ids("ＣＮＣ　Ｍａｃｈｉｎｅ　Ｔｏｏｌｓ") == ["equipment.cnc_machine_tool"]


def test_find_english_plural_hyphen_and_case(glossary: Glossary) -> None:
    text = "Expert in Solid State Batteries, lithium ion battery packs, fuel cells and catalysts."
    assert glossary.concept_ids(text) == [
        "new_energy.solid_state_battery",
        "new_energy.lithium_ion_battery",
        "new_energy.fuel_cell",
        "chemicals.catalyst",
    ]
    assert glossary.concept_ids("sodium-ion batteries") == ["new_energy.sodium_ion_battery"]
    assert glossary.concept_ids("technologies") == []


def test_find_english_respects_word_boundaries_and_punctuation(glossary: Glossary) -> None:
    assert "automotive.electric_vehicle" not in glossary.concept_ids("every device evaluated")
    assert "new_energy.fuel_cell" not in glossary.concept_ids("fuel, cell")
    assert glossary.concept_ids("5G基站") == ["ngit.5g_communication", "ngit.base_station"]


def test_concept_ids_unique_in_first_appearance_order(glossary: Glossary) -> None:
    ids = glossary.concept_ids("graphene 石墨烯 deep learning 石墨烯 深度学习")
    assert ids == ["materials.graphene", "ai.deep_learning"]


def test_translate_and_terms(glossary: Glossary) -> None:
    assert glossary.translate("new_energy.solid_state_battery", "en") == "solid-state battery"
    assert glossary.translate("new_energy.solid_state_battery", "zh-tw") == "固态电池"
    assert glossary.concepts["semiconductors.lithography"].label("zh") == "光刻"
    with pytest.raises(KeyError, match=r"no\.such"):
        glossary.translate("no.such", "en")
    terms = glossary.zh_terms()
    assert "固态电池" in terms and "精准农业" in terms
    assert all(term == term.lower() for term in terms)


def test_from_rows_validation() -> None:
    good = ("x.a", "x", "固态电池|全固态电池", "solid-state battery")
    assert len(Glossary.from_rows([good])) == 1
    with pytest.raises(ValueError, match=r"rows:2: duplicate concept id 'x.a'"):
        Glossary.from_rows([good, ("x.a", "x", "光刻", "lithography")])
    with pytest.raises(ValueError, match=r"rows:2: surface form 'solid state battery'.*'x.a' \(line 1\)"):
        Glossary.from_rows([good, ("x.b", "x", "固体电池", "solid state battery")])
    with pytest.raises(ValueError, match=r"rows:2: surface form '全固態電池'"):
        Glossary.from_rows([good, ("x.b", "x", "全固態電池", "all solid battery")])
    with pytest.raises(ValueError, match="no Chinese characters"):
        Glossary.from_rows([("x.c", "x", "GaN", "gallium nitride")])
    with pytest.raises(ValueError, match="only contain letters"):
        Glossary.from_rows([("x.d", "x", "细颗粒物", "pm2.5")])
    with pytest.raises(ValueError, match="at least one zh and one en form"):
        Glossary.from_rows([("x.e", "x", "光刻", "")])


def test_load_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "glossary.tsv"
    path.write_text(
        "concept_id\tindustry\tzh\ten\nx.a\tx\t光刻\tlithography\nx.b\tx\t光刻机\tLithography\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"glossary.tsv:3: surface form 'Lithography'"):
        Glossary.load(path)
    path.write_text("id\tzh\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"glossary.tsv:1: header"):
        Glossary.load(path)
    path.write_text("concept_id\tindustry\tzh\ten\nx.a\tx\t光刻\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"glossary.tsv:2: expected 4"):
        Glossary.load(path)


def test_term_matcher_overlaps_resolved_longest_first() -> None:
    matcher = TermMatcher({"锂电池": "a", "电池回收": "b", "回收": "c"})
    assert [hit.key for hit in matcher.find("锂电池回收")] == ["b"]
    assert [hit.key for hit in matcher.find("锂电池回收", overlapping=True)] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="used by both"):
        TermMatcher({"Fuel Cell": "a", "fuel-cell": "b"})


def test_glossary_terms_feed_the_tokenizer(glossary: Glossary, catalogue: Catalogue) -> None:
    tokenizer = Tokenizer(glossary.zh_terms() + catalogue.terms())
    assert "全固态电池" in tokenizer.tokenize("开发全固态电池")


# --- catalogue ------------------------------------------------------------------------------------


def _catalogue_document() -> dict[str, Any]:
    path = DEFAULT_CATALOGUE_PATH
    return json.loads(path.read_text(encoding="utf-8"))


def test_catalogue_shape(catalogue: Catalogue) -> None:
    assert {industry.code for industry in catalogue.industries} == INDUSTRY_CODES
    for industry in catalogue.industries:
        fields = catalogue.fields_of(industry.code)
        assert 4 <= len(fields) <= 8, industry.code
        for field in fields:
            assert field.code.startswith(industry.code + ".")
            assert 6 <= len(field.keywords_zh) <= 15, field.code
            assert 6 <= len(field.keywords_en) <= 15, field.code
    assert catalogue.industry("new_energy").zh == "新能源与储能"
    assert catalogue.field("new_energy.battery").industry == "new_energy"
    assert Catalogue.load() is catalogue


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda doc: doc["industries"][0]["fields"].append(doc["industries"][0]["fields"][0]),
            "ngit.communications",
        ),
        (lambda doc: doc["industries"][1]["fields"][0].update(code="ngit.ml2"), "ngit.ml2"),
        (lambda doc: doc["industries"][2]["fields"][0].update(keywords_zh=[]), "semiconductors.design"),
        (
            lambda doc: doc["industries"][2]["fields"][1].update(keywords_en="wafer"),
            "semiconductors.manufacturing",
        ),
        (lambda doc: doc["industries"].append(copy.deepcopy(doc["industries"][0])), "'ngit'"),
        (
            lambda doc: doc["industries"][3]["fields"][0].update(keywords_en=["c/c++"]),
            "equipment.machine_tools",
        ),
        (lambda doc: doc["industries"][4].pop("fields"), "materials"),
    ],
)
def test_catalogue_validation_errors_name_the_code(mutate: Any, message: str) -> None:
    document = _catalogue_document()
    mutate(document)
    with pytest.raises(ValueError, match=message):
        Catalogue.from_dict(document)


def test_catalogue_load_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match=r"catalogue\.json: not valid JSON"):
        Catalogue.load(path)


def test_resolve_industry_and_label(catalogue: Catalogue) -> None:
    assert catalogue.resolve_industry("new_energy") == "new_energy"
    assert catalogue.resolve_industry("新能源与储能") == "new_energy"
    assert catalogue.resolve_industry("  New Energy and Energy Storage ") == "new_energy"
    assert catalogue.resolve_industry("生物醫藥") == "biomedicine"
    assert catalogue.resolve_industry("MEDICAL_DEVICES") == "medical_devices"
    assert catalogue.resolve_industry("basket weaving") is None
    assert catalogue.resolve_industry("") is None
    assert catalogue.label("aerospace") == "航空航天"
    assert catalogue.label("aerospace", "en") == "Aerospace"
    assert catalogue.label("new_energy.battery", "en") == "Power and storage batteries"
    with pytest.raises(KeyError, match="nope"):
        catalogue.label("nope")


def test_terms_hold_keywords_and_field_names(catalogue: Catalogue) -> None:
    terms = catalogue.terms()
    assert "固态电池" in terms and "动力与储能电池" in terms and "手术机器人" in terms
    assert len(terms) == len(set(terms))


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "我司需要研发高能量密度固态电池，改进正极材料和电解液配方，提升热失控安全性。",
            "new_energy.battery",
        ),
        ("工业园区印染废水处理，希望采用膜分离与反渗透工艺实现中水回用", "environment.water"),
        ("本公司希望引進手術機器人與微創手術器械技術", "medical_devices.surgical"),
        ("开发基于深度学习的目标检测算法，用于产线视觉检测", "ai.vision"),
        ("Looking for an expert in SiC power devices and IGBT modules", "semiconductors.compound_power"),
        (
            "We need lidar and radar sensor fusion for autonomous driving at low speed",
            "automotive.autonomous",
        ),
        (
            "Seeking help with drip irrigation, fertigation and greenhouse hydroponics",
            "agriculture.cultivation",
        ),
        (
            "Scale-up of a continuous flow hydrogenation over a zeolite catalyst",
            "chemicals.catalysis_process",
        ),
    ],
)
def test_tag_picks_the_right_field(catalogue: Catalogue, text: str, field: str) -> None:
    tags = catalogue.tag(text)
    assert tags, text
    assert tags[0][0] == field
    assert all(score > 0 for _, score in tags)
    assert [score for _, score in tags] == sorted((score for _, score in tags), reverse=True)


def test_tag_top_and_industries_for(catalogue: Catalogue) -> None:
    text = "固态电池与储能电站，以及风电机组叶片复合材料"
    assert len(catalogue.tag(text, top=1)) == 1
    assert catalogue.tag("今天天气很好") == []
    assert catalogue.industries_for(text)[0] == "new_energy"
    assert "materials" in catalogue.industries_for(text)
    assert catalogue.industries_for("weather report") == []
