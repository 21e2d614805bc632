"""The public quality tasks are built from the raw eval data as documented (leak-free, right gold)."""

from __future__ import annotations

import json
import re
from collections import Counter

import numpy as np
import pytest

from embeddings.text.normalize import is_han, to_simplified
from pipelines.quality.csl import CslBuild, build_csl, sentences
from pipelines.quality.mixed import load_topic_needs
from pipelines.quality.registry import TASK_NAMES, public_tasks
from pipelines.quality.tasks import RELEVANT, EvalDataMissing, QualityTask, eval_data_dir

try:
    DATA_DIR = eval_data_dir()
except EvalDataMissing:
    pytest.skip(
        "public eval data not found: set HAIZHI_EVAL_DATA to the eval-data folder", allow_module_level=True
    )

# The npz matrices were pickled by an old scipy, whose module path now warns on unpickling.
pytestmark = pytest.mark.filterwarnings("ignore:Please import `csr_matrix`:DeprecationWarning")


@pytest.fixture(scope="module")
def tasks() -> dict[str, QualityTask]:
    return {t.name: t for t in public_tasks(directory=DATA_DIR)}


@pytest.fixture(scope="module")
def csl_build() -> CslBuild:
    return build_csl(DATA_DIR)


@pytest.fixture(scope="module")
def raw_dblp() -> dict[str, np.ndarray]:
    """The npz read independently of the builder, sparse entries made dense."""
    with np.load(DATA_DIR / "dblp_expert_finding" / "dblp.npz", allow_pickle=True) as data:
        return {k: (data[k].flat[0].toarray() if data[k].shape == () else data[k]) for k in data.files}


def _raw_rows(folder: str) -> list[dict]:
    return [
        json.loads(line)
        for name in ("train_few_all.json", "dev_few_all.json", "test_public.json")
        for line in (DATA_DIR / folder / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


@pytest.fixture(scope="module")
def raw_csl_keywords() -> dict[str, set[str]]:
    """Abstract → union of the keywords of all its label-1 rows, read independently of the builder."""
    keywords: dict[str, set[str]] = {}
    for row in _raw_rows("fewclue_csl"):
        if row["label"] == "1":
            keywords.setdefault(row["abst"].strip(), set()).update(row["keyword"])
    return keywords


def test_dblp_pool_is_labelled_authors_with_papers(tasks: dict[str, QualityTask], raw_dblp: dict) -> None:
    task = tasks["dblp-en"]
    labelled = {f"DBLP-A{a:04d}" for a in raw_dblp["L_a_mask"]}
    assert 0 < len(task.pool.experts) <= 199
    assert all(e.id in labelled and e.publications for e in task.pool.experts)


def test_dblp_profiles_hold_no_query_paper(tasks: dict[str, QualityTask], raw_dblp: dict) -> None:
    queries = {str(raw_dblp["T"][d]) for d in raw_dblp["L_d_mask"]}
    published = {p for e in tasks["dblp-en"].pool.experts for p in e.publications}
    assert not queries & published


def test_dblp_relevance_is_a_shared_tag(tasks: dict[str, QualityTask], raw_dblp: dict) -> None:
    task = tasks["dblp-en"]
    pool = {e.id for e in task.pool.experts}
    assert all(task.gold[d.id] and set(task.gold[d.id]) <= pool for d in task.demands)
    rows = {int(doc): row for row, doc in enumerate(raw_dblp["L_d_mask"])}
    for demand in task.demands[::15]:
        doc = int(demand.id.removeprefix("DBLP-D"))
        text = str(raw_dblp["T"][doc])
        assert f"{demand.title} {demand.description}".split() == text.split()
        query_tags = raw_dblp["L_d"][rows[doc]]
        expected = {
            f"DBLP-A{author:04d}"
            for j, author in enumerate(raw_dblp["L_a_mask"])
            if (query_tags & raw_dblp["L_a"][:, j]).any()
        } & pool
        assert task.gold[demand.id] == dict.fromkeys(expected, RELEVANT)


def test_csl_profiles_hold_no_need(tasks: dict[str, QualityTask], csl_build: CslBuild) -> None:
    full = tasks["csl-zh-full"]
    needs = {d.title + d.description for d in full.demands}
    assert needs and not needs & {p for e in full.pool.experts for p in e.publications}
    assert all(not e.keywords and not e.bio for e in full.pool.experts)
    keyword_experts = [e for e in full.pool.experts if e.id in csl_build.keyword_of]
    assert keyword_experts and all(len(e.publications) >= 2 for e in keyword_experts)
    assert tasks["csl-zh-short"].pool is full.pool


def test_csl_counts(tasks: dict[str, QualityTask], csl_build: CslBuild) -> None:
    """The numbers the module docstrings state (they change only when the build or the data does)."""
    full = tasks["csl-zh-full"]
    assert (len(csl_build.keyword_of), len(csl_build.distractors), len(full.demands)) == (114, 1000, 63)
    assert len(full.pool.experts) == 1114 and len(tasks["mixed-zh-en-full"].pool.experts) == 194 + 1114
    assert sorted(len(g) for g in full.gold.values()) == [1] * 61 + [2] * 2


def test_csl_distractors(tasks: dict[str, QualityTask], csl_build: CslBuild) -> None:
    full = tasks["csl-zh-full"]
    distractors = [e for e in full.pool.experts if e.id not in csl_build.keyword_of]
    assert [e.id for e in distractors] == csl_build.distractors
    assert [e.id for e in distractors] == [f"CSLDCP-P{n:04d}" for n in range(1, 1001)]
    assert all(len(e.publications) == 1 and e.country == "CN" and e.languages == ["zh"] for e in distractors)
    texts = [e.publications[0] for e in distractors]
    assert len(set(texts)) == len(texts)
    raw = {row["content"].strip() for row in _raw_rows("fewclue_csldcp")}
    assert set(texts) <= raw
    abstracts = {row["abst"].strip() for row in _raw_rows("fewclue_csl")}  # label 0 and 1
    assert not abstracts & set(texts)
    assert not any(a in t or t in a for t in texts for a in abstracts)
    distractor_ids = set(csl_build.distractors)
    for task in (full, tasks["csl-zh-short"], tasks["mixed-zh-en-full"], tasks["mixed-zh-en-short"]):
        assert not distractor_ids & {e for g in task.gold.values() for e in g}, task.name
        assert distractor_ids <= {e.id for e in task.pool.experts}, task.name
        assert any("never relevant" in n or "CSLDCP" in n for n in task.notes), task.name


def test_csl_gold_follows_keywords(
    tasks: dict[str, QualityTask], csl_build: CslBuild, raw_csl_keywords: dict[str, set[str]]
) -> None:
    task = tasks["csl-zh-full"]
    held = {d.title + d.description for d in task.demands}
    for expert in task.pool.experts[: len(csl_build.keyword_of)]:  # every non-held-out paper of its keyword
        keyword = csl_build.keyword_of[expert.id]
        papers = [a for a, ks in raw_csl_keywords.items() if keyword in ks and a not in held]
        assert sorted(expert.publications) == sorted(papers)
    shared = Counter(k for a, ks in raw_csl_keywords.items() if a not in held for k in ks)
    assert set(csl_build.keyword_of.values()) == {k for k, n in shared.items() if n >= 2}
    expert_of = {k: e for e, k in csl_build.keyword_of.items()}
    assert len(expert_of) == len(csl_build.keyword_of)
    for demand in task.demands[::4]:
        keywords = raw_csl_keywords[demand.title + demand.description]
        assert set(task.gold[demand.id]) == {expert_of[k] for k in keywords if k in expert_of}


def test_csl_short_needs_are_one_or_two_leading_sentences(tasks: dict[str, QualityTask]) -> None:
    full, short = tasks["csl-zh-full"], tasks["csl-zh-short"]
    assert [d.id.removesuffix("-full") for d in full.demands] == [
        d.id.removesuffix("-short") for d in short.demands
    ]
    shorter = 0
    for f, s in zip(full.demands, short.demands, strict=True):
        full_text, short_text = f.title + f.description, s.title + s.description
        assert full_text.startswith(short_text) and len(sentences(short_text)) <= 2
        shorter += len(short_text) < len(full_text)
        assert full.gold[f.id] == short.gold[s.id]
    assert shorter >= 0.8 * len(full.demands)


def test_sentences_keep_decimals() -> None:
    assert sentences("含量为3.5%，P＜0．05。其次.最后") == ["含量为3.5%，P＜0．05。", "其次.", "最后"]


def test_mixed_pool_and_gold(tasks: dict[str, QualityTask], raw_dblp: dict) -> None:
    full, short = tasks["mixed-zh-en-full"], tasks["mixed-zh-en-short"]
    ids = [e.id for e in full.pool.experts]
    assert short.pool is full.pool and len(ids) == len(set(ids))
    with_papers = raw_dblp["A_da"].any(axis=0)
    judged = {f"DBLP-A{a:04d}" for a in raw_dblp["L_a_mask"] if with_papers[a]}
    # the DBLP side is exactly the judged (labelled) candidates that have papers
    assert {i for i in ids if i.startswith("DBLP-")} == judged
    assert {e.id for e in tasks["csl-zh-full"].pool.experts} <= set(ids)
    tags = [str(t) for t in raw_dblp["tags"]]
    for need, demand in zip(load_topic_needs(), full.demands, strict=True):
        t = tags.index(need["topic"])
        expected = {
            f"DBLP-A{a:04d}"
            for j, a in enumerate(raw_dblp["L_a_mask"])
            if raw_dblp["L_a"][t, j] and with_papers[a]
        }
        assert expected and set(full.gold[demand.id]) == expected
        assert all(e.startswith("DBLP-A") for e in full.gold[demand.id])


def test_mixed_needs_are_chinese(tasks: dict[str, QualityTask]) -> None:
    needs = load_topic_needs()
    assert len(needs) == 56 and len({n["id"] for n in needs}) == 56
    for task in (tasks["mixed-zh-en-full"], tasks["mixed-zh-en-short"]):
        for demand in task.demands:
            text = demand.title + demand.description
            letters = [c for c in text if c.isalpha()]
            assert sum(map(is_han, letters)) >= 0.9 * len(letters), demand.id
            assert not re.search(r"[A-Za-z]{5,}", text), demand.id  # no English words
    for need in needs:
        assert len(need["short"]) < len(need["full"]) and len(sentences(need["short"])) <= 2


def test_registry_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match=r"'nope'.*dblp-en"):
        public_tasks(["dblp-en", "nope"], directory=DATA_DIR)


def test_registry_order_and_shared_pools(tasks: dict[str, QualityTask]) -> None:
    assert list(tasks) == list(TASK_NAMES)
    built = public_tasks(["mixed-zh-en-short", "csl-zh-full"], directory=DATA_DIR)
    assert [t.name for t in built] == ["mixed-zh-en-short", "csl-zh-full"]
    mixed_ids = {id(e) for e in built[0].pool.experts}
    assert all(id(e) in mixed_ids for e in built[1].pool.experts)


def test_builders_are_deterministic(tasks: dict[str, QualityTask]) -> None:
    again = {t.name: t for t in public_tasks(directory=DATA_DIR)}
    for name, task in tasks.items():
        other = again[name]
        assert [e.id for e in task.pool.experts] == [e.id for e in other.pool.experts]
        assert [d.id for d in task.demands] == [d.id for d in other.demands]
        assert task.gold == other.gold


def test_traditional_task_is_the_short_task_with_traditional_profiles(tasks: dict[str, QualityTask]) -> None:
    short, traditional = tasks["csl-zh-short"], tasks["csl-zh-tw-short"]
    assert [d.title + d.description for d in traditional.demands] == [
        d.title + d.description for d in short.demands
    ]
    assert list(traditional.gold.values()) == list(short.gold.values())
    assert [e.id for e in traditional.pool.experts] == [e.id for e in short.pool.experts]
    changed = 0
    for simplified, converted in zip(short.pool.experts, traditional.pool.experts, strict=True):
        for a, b in zip(simplified.publications, converted.publications, strict=True):
            changed += a != b
    assert changed >= 0.95 * sum(len(e.publications) for e in short.pool.experts)
    sample = short.pool.experts[0].publications[0]
    back = to_simplified(traditional.pool.experts[0].publications[0])
    assert len(set(sample) & set(back)) >= 0.9 * len(set(sample))  # the same text in the other script
    assert traditional.pool.name != short.pool.name  # indexed on its own
