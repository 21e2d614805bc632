"""Chinese keyword pseudo-experts built from FewCLUE CSL, among Chinese distractor profiles from CSLDCP.

Source: ``fewclue_csl/{train_few_all,dev_few_all,test_public}.json`` (JSON lines: ``abst``, ``keyword``,
``label``). Only ``label == "1"`` rows are used (their keywords are real; label-0 rows stay unused). The
same abstract recurs in several label-1 rows with different subsets of its real keywords, so a paper's
keywords are the union of those rows' lists (order of first appearance).

Build: a seeded (``random.Random(13)``) walk over the papers that carry a keyword shared by ≥ `MIN_PAPERS`
papers holds a paper out as a need when every such keyword of it still keeps ≥ `MIN_PAPERS` non-held-out
papers; it would stop at `HOLD_OUT_TARGET`. Then every keyword shared by ≥ `MIN_PAPERS` non-held-out papers
becomes one pseudo-expert whose ``publications`` are those abstracts (no keywords, no bio: the keyword is
the label and must not leak). Gold: held-out paper → the experts of its keywords (grade `RELEVANT`).

`MIN_PAPERS` is 2 because the data is small: 1,569 label-1 rows hold 662 distinct abstracts and 2,764
distinct (merged) keywords, of which only 34 are shared by ≥ 3 papers but 114 by ≥ 2.

Distractors: `DISTRACTOR_COUNT` abstracts from ``fewclue_csldcp/{train_few_all,dev_few_all,test_public}.json``
(field ``content``; deduplicated by text; any text that equals or contains a CSL abstract of any row, or is
contained in one, is dropped, comparing with whitespace removed), taken in a ``random.Random(17)`` order,
each a single-publication Chinese expert ``CSLDCP-P0001`` … They are never relevant (unjudged), so they
make the pool a realistic size without changing the gold.

Counts: 114 keyword pseudo-experts plus 1,000 distractors = 1,114 Chinese profiles in pool
``csl-keywords``; 63 needs (the 300-need target cannot be reached: 63 is the most any choice of papers
allows, and the walk reaches it). Holding out that many drains the keywords to the minimum: 112 experts have
exactly 2 abstracts (one has 4, one 5). Relevant experts per need: median 1, range 1–2 (61 needs have 1,
2 have 2), so these tasks remain a coarse signal (near one-relevant-item retrieval).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.text.normalize import to_traditional
from matcher.domain.records import Demand, Expert
from pipelines.quality.tasks import RELEVANT, Pool, QualityTask, eval_data_dir

CSL_DIR = Path("fewclue_csl")
CSL_FILES = ("train_few_all.json", "dev_few_all.json", "test_public.json")
CSLDCP_DIR = Path("fewclue_csldcp")
SEED = 13
HOLD_OUT_TARGET = 300
MIN_PAPERS = 2  # non-held-out papers a keyword needs to become an expert
DISTRACTOR_SEED = 17
DISTRACTOR_COUNT = 1000
SHORT_MIN_CHARS = 40  # a first sentence shorter than this gets the second one appended in short needs
# Sentence ends; a '.' or '．' between two digits (3.5, 0．05 — both occur) is a decimal point, not an end.
_SENTENCE_END = re.compile(r"(?:[。!?！？；]|[.．](?!(?<=\d[.．])\d))+")


@dataclass(frozen=True)
class CslPaper:
    """One deduplicated label-1 paper.

    Attributes:
        index: position among the deduplicated papers (file order: train, dev, test).
        abstract: the abstract text.
        keywords: its keywords: the union of its label-1 rows' lists, in order of first appearance.
    """

    index: int
    abstract: str
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class CslBuild:
    """Everything the CSL tasks are made of.

    Attributes:
        pool: the keyword pseudo-experts followed by the distractors.
        keyword_of: expert id → its keyword (keyword pseudo-experts only).
        distractors: ids of the CSLDCP distractor experts (never relevant).
        needs: held-out papers with at least one expert, in hold-out order.
        gold: paper index → expert id → grade.
        notes: counts for the report.
    """

    pool: Pool
    keyword_of: dict[str, str]
    distractors: list[str]
    needs: list[CslPaper]
    gold: dict[int, dict[str, int]]
    notes: list[str]


def sentences(text: str) -> list[str]:
    """Split Chinese text into sentences, each keeping its end mark; ``"".join`` gives the text back."""
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        parts.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        parts.append(text[start:])
    return [p for p in parts if p.strip()]


def short_text(text: str) -> str:
    """The 1–2 sentence version of a text: the first sentence, plus the second when the first is short."""
    parts = sentences(text)
    if len(parts) > 1 and len(parts[0].strip()) < SHORT_MIN_CHARS:
        return parts[0] + parts[1]
    return parts[0] if parts else text


def split_first_sentence(text: str) -> tuple[str, str]:
    """Title (first sentence) and description (the rest), so that title + description is the text."""
    parts = sentences(text)
    if not parts:
        return text, ""
    return parts[0].strip(), "".join(parts[1:]).strip()


def _json_lines(folder: Path, names: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    for name in names:
        with open(folder / name, encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    yield json.loads(line)


def load_csl_papers(directory: Path | None = None) -> tuple[list[CslPaper], int]:
    """Label-1 papers deduplicated by abstract (keywords merged), and the number of label-1 rows."""
    merged: dict[str, dict[str, None]] = {}  # abstract → its keywords (an ordered set), in file order
    rows = 0
    for row in _json_lines((directory or eval_data_dir()) / CSL_DIR, CSL_FILES):
        if row["label"] != "1":
            continue
        rows += 1
        keywords = merged.setdefault(row["abst"].strip(), {})
        keywords.update(dict.fromkeys(k.strip() for k in row["keyword"] if k.strip()))
    papers = [CslPaper(n, abstract, tuple(ks)) for n, (abstract, ks) in enumerate(merged.items())]
    return papers, rows


def _squeeze(text: str) -> str:
    return "".join(text.split())


def load_distractors(directory: Path | None = None) -> list[str]:
    """`DISTRACTOR_COUNT` CSLDCP abstracts that overlap no CSL abstract, in a seeded random order.

    Texts are deduplicated; one that equals, contains or is contained in the abstract of any CSL row
    (label 0 or 1; whitespace removed before comparing) is skipped.
    """
    root = directory or eval_data_dir()
    csl = list(dict.fromkeys(_squeeze(row["abst"]) for row in _json_lines(root / CSL_DIR, CSL_FILES)))
    joined = "\0".join(csl)  # a text inside one abstract is inside the joined string (texts hold no NUL)
    texts = [
        t
        for t in dict.fromkeys(row["content"].strip() for row in _json_lines(root / CSLDCP_DIR, CSL_FILES))
        if t
    ]
    random.Random(DISTRACTOR_SEED).shuffle(texts)
    kept: list[str] = []
    for text in texts:
        if len(kept) == DISTRACTOR_COUNT:
            break
        squeezed = _squeeze(text)
        if squeezed in joined or any(abstract in squeezed for abstract in csl):
            continue
        kept.append(text)
    return kept


def _hold_out(papers: list[CslPaper]) -> list[CslPaper]:
    """Pick the needs so that every keyword that could be an expert still is one afterwards."""
    counts = Counter(k for p in papers for k in p.keywords)
    candidates = {k for k, n in counts.items() if n >= MIN_PAPERS}
    eligible = [p for p in papers if candidates.intersection(p.keywords)]
    random.Random(SEED).shuffle(eligible)
    held: list[CslPaper] = []
    for paper in eligible:
        if len(held) >= HOLD_OUT_TARGET:
            break
        mine = candidates.intersection(paper.keywords)
        if all(counts[k] - 1 >= MIN_PAPERS for k in mine):
            held.append(paper)
            for keyword in mine:
                counts[keyword] -= 1
    return held


def build_csl(directory: Path | None = None) -> CslBuild:
    """Build the pseudo-expert pool, the held-out needs and their gold.

    Args:
        directory: the eval-data root (holding ``fewclue_csl/`` and ``fewclue_csldcp/``); `eval_data_dir`
            when omitted.
    """
    papers, rows = load_csl_papers(directory)
    held = _hold_out(papers)
    held_ids = {p.index for p in held}
    profile_papers: dict[str, list[CslPaper]] = {}
    for paper in papers:
        if paper.index not in held_ids:
            for keyword in paper.keywords:
                profile_papers.setdefault(keyword, []).append(paper)
    keywords = sorted(k for k, ps in profile_papers.items() if len(ps) >= MIN_PAPERS)
    experts: list[Expert] = []
    expert_of: dict[str, str] = {}
    held_abstracts = {p.abstract for p in held}
    for n, keyword in enumerate(keywords, start=1):
        abstracts = [p.abstract for p in profile_papers[keyword]]
        assert not held_abstracts.intersection(abstracts), "a held-out paper leaked into a profile"
        expert = Expert(
            id=f"CSL-K{n:04d}", name=f"关键词专家{n}", country="CN", publications=abstracts, languages=["zh"]
        )
        experts.append(expert)
        expert_of[keyword] = expert.id
    needs: list[CslPaper] = []
    gold: dict[int, dict[str, int]] = {}
    for paper in held:
        judged = {expert_of[k]: RELEVANT for k in paper.keywords if k in expert_of}
        if judged:
            needs.append(paper)
            gold[paper.index] = judged
    distractors = [
        Expert(id=f"CSLDCP-P{n:04d}", name=f"学者{n}", country="CN", publications=[text], languages=["zh"])
        for n, text in enumerate(load_distractors(directory), start=1)
    ]
    assert not held_abstracts.intersection(d.publications[0] for d in distractors), "a need is a distractor"
    notes = [
        f"{rows} label-1 rows, {len(papers)} distinct abstracts (keywords merged across duplicate rows)",
        f"{len(experts)} keyword pseudo-experts (keywords of ≥ {MIN_PAPERS} non-held-out papers); "
        f"{len(needs)} held-out needs ({len(held) - len(needs)} dropped: no expert)",
        "profiles carry abstracts only: the keyword that defines an expert never appears as a field",
        f"{len(distractors)} CSLDCP abstracts are single-paper distractor experts: unjudged, never relevant "
        "(counted as non-relevant even when on topic)",
    ]
    pool = Pool("csl-keywords", [*experts, *distractors])
    keyword_of = {e: k for k, e in expert_of.items()}
    return CslBuild(pool, keyword_of, [d.id for d in distractors], needs, gold, notes)


def csl_pool(directory: Path | None = None) -> Pool:
    """The keyword pseudo-experts plus the CSLDCP distractors (see `build_csl`)."""
    return build_csl(directory).pool


def _task(build: CslBuild, variant: str) -> QualityTask:
    demands: list[Demand] = []
    gold: dict[str, dict[str, int]] = {}
    for paper in build.needs:
        text = paper.abstract if variant == "full" else short_text(paper.abstract)
        title, description = split_first_sentence(text)
        demand = Demand(id=f"CSL-P{paper.index:04d}-{variant}", title=title, description=description)
        demands.append(demand)
        gold[demand.id] = dict(build.gold[paper.index])
    what = "the whole abstract" if variant == "full" else "its first one or two sentences"
    return QualityTask(
        name=f"csl-zh-{variant}",
        pair="zh→zh",
        description=f"FewCLUE CSL: a held-out paper ({what}) is the need; experts are keywords shared by "
        f"≥ {MIN_PAPERS} other papers, profiled by those abstracts, among {len(build.distractors)} "
        "single-abstract CSLDCP distractors; relevant = the experts of the paper's keywords.",
        pool=build.pool,
        demands=demands,
        gold=gold,
        notes=list(build.notes),
    )


def traditional_task(build: CslBuild) -> QualityTask:
    """``csl-zh-tw-short``: the short simplified needs against the same pool written in traditional Chinese.

    Every profile (keyword pseudo-experts and distractors) is converted with OpenCC ``s2twp``
    (traditional characters with Taiwan phrasing), as profiles from Taiwan or Hong Kong arrive. The
    conversion is by machine, so the wording is the source's; the gold is the short task's.
    """
    short = _task(build, "short")
    experts = [
        e.model_copy(
            update={
                "name": to_traditional(e.name),
                "publications": [to_traditional(p) for p in e.publications],
            }
        )
        for e in build.pool.experts
    ]
    demands = [d.model_copy(update={"id": d.id.replace("-short", "-tw")}) for d in short.demands]
    gold = {d.id.replace("-short", "-tw"): short.gold[d.id] for d in short.demands}
    return QualityTask(
        name="csl-zh-tw-short",
        pair="zh→zh-tw",
        description="The csl-zh-short needs (simplified) against the same experts with every profile "
        "converted to traditional Chinese (OpenCC s2twp), as Taiwan and Hong Kong profiles arrive.",
        pool=Pool("csl-keywords-tw", experts),
        demands=demands,
        gold=gold,
        notes=[
            *build.notes,
            "profiles converted to traditional Chinese by OpenCC s2twp (machine conversion)",
        ],
    )


def csl_tasks(
    directory: Path | None = None, build: CslBuild | None = None
) -> tuple[QualityTask, QualityTask]:
    """The ``csl-zh-full`` and ``csl-zh-short`` tasks, sharing one Pool object.

    Args:
        directory: the eval-data root; `eval_data_dir` when omitted.
        build: an existing build to reuse (skips reading the files).
    """
    build = build_csl(directory) if build is None else build
    return _task(build, "full"), _task(build, "short")
