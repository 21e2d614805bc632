"""The English expert-finding task built from the DBLP set of Brochier et al. (BIR@ECIR 2020).

Source: ``dblp_expert_finding/dblp.npz`` (see ``SOURCES.md``): 1,641 paper texts ``T``, the
document→author matrix ``A_da`` (1,641 × 707 candidates), 7 topic ``tags``, topic labels of 114 query
documents (``L_d`` 114 × 7, rows aligned with ``L_d_mask``) and of 199 candidates (``L_a`` 7 × 199 —
tags × experts, columns aligned with ``L_a_mask``; upstream computes ``L_d[i] · L_a``).

Protocol (upstream paper): each labelled document is a query; the candidates are the 199 labelled
authors only; relevant = candidates sharing at least one tag with the query (grade `RELEVANT`).

Deliberate, stricter variant: upstream removes the query document from its authors' profiles per query.
Here ALL 114 query papers are removed from every profile, so one index serves every query. Authors left
without a paper are dropped (and so are queries left without a relevant author; none in practice).

Data facts worth knowing: only 59 of the 199 labelled authors carry any tag (140 are judged non-relevant
for every query); 23 of the 707 authors — 5 of them tagged — have no paper at all in ``A_da``.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from matcher.domain.records import Demand, Expert
from pipelines.quality.tasks import RELEVANT, Pool, QualityTask, eval_data_dir

DBLP_FILE = Path("dblp_expert_finding") / "dblp.npz"
TITLE_MAX = 200  # characters of a paper text used as a need title when its first sentence is longer
_SENTENCE_END = re.compile(r"[.!?](?=\s)")

BoolMatrix = npt.NDArray[np.bool_]
IndexArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DblpData:
    """The DBLP arrays, dense (the matrices are small).

    Attributes:
        texts: paper texts (title then abstract), one per document.
        doc_author: documents × authors, True when the author wrote the document.
        query_tags: queries × tags, row i labels document ``query_docs[i]``.
        query_docs: document index of each query.
        expert_tags: tags × labelled experts, column j labels author ``labelled_authors[j]``.
        labelled_authors: author index of each labelled expert.
        tags: topic names, e.g. ``machine_learning``.
    """

    texts: list[str]
    doc_author: BoolMatrix
    query_tags: BoolMatrix
    query_docs: IndexArray
    expert_tags: BoolMatrix
    labelled_authors: IndexArray
    tags: list[str]

    def author_tags(self) -> dict[int, set[str]]:
        """Author index → its tags, for the labelled authors that carry at least one tag."""
        tagged: dict[int, set[str]] = {}
        for t, j in zip(*np.nonzero(self.expert_tags), strict=True):
            tagged.setdefault(int(self.labelled_authors[j]), set()).add(self.tags[t])
        return tagged

    def papers_of(self, author: int) -> list[int]:
        """Document indices written by ``author``, in document order."""
        return [int(d) for d in np.flatnonzero(self.doc_author[:, author])]


def _dense(entry: npt.NDArray[Any]) -> BoolMatrix:
    """A 0-d object entry holding a scipy.sparse matrix, as a dense boolean array."""
    matrix = entry.flat[0]
    return np.asarray(matrix.toarray(), dtype=bool)


_C1 = re.compile("[\u0080-\u009f]")


def repair_c1(text: str) -> str:
    """Windows-1252 punctuation that reached the file as C1 control characters, decoded as meant.

    Two abstracts of the DBLP file hold U+0095 / U+0097 for a bullet and a dash; the product refuses
    control characters at every boundary, so the builder reads them as the characters they stood for.
    """
    return _C1.sub(lambda m: bytes([ord(m.group())]).decode("cp1252", errors="replace"), text)


def load_dblp(directory: Path | None = None) -> DblpData:
    """Load ``dblp.npz`` from the evaluation data folder.

    Args:
        directory: the eval-data root (holding ``dblp_expert_finding/``); `eval_data_dir` when omitted.

    Returns:
        The arrays, with shapes checked against the documented ones.
    """
    path = (directory or eval_data_dir()) / DBLP_FILE
    # The matrices were pickled by an old scipy; unpickling them warns about the scipy.sparse.csr path.
    with np.load(path, allow_pickle=True) as data, warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        data_obj = DblpData(
            texts=[repair_c1(str(t)) for t in data["T"]],
            doc_author=_dense(data["A_da"]),
            query_tags=_dense(data["L_d"]),
            query_docs=np.asarray(data["L_d_mask"], dtype=np.int64),
            expert_tags=_dense(data["L_a"]),
            labelled_authors=np.asarray(data["L_a_mask"], dtype=np.int64),
            tags=[str(t) for t in data["tags"]],
        )
    n_docs, n_tags = len(data_obj.texts), len(data_obj.tags)
    # Fail loudly if a different release of the file changes the layout the protocol relies on.
    assert data_obj.doc_author.shape[0] == n_docs
    assert data_obj.query_tags.shape == (len(data_obj.query_docs), n_tags)
    assert data_obj.expert_tags.shape == (n_tags, len(data_obj.labelled_authors))
    return data_obj


def expert_id(author: int) -> str:
    """Expert id of a DBLP author index."""
    return f"DBLP-A{author:04d}"


def _expert(author: int, papers: list[str]) -> Expert:
    # The source has no countries; "US" only satisfies the record (no quality task filters on country).
    return Expert(
        id=expert_id(author),
        name=f"DBLP author {author}",
        country="US",
        bio="",
        keywords=[],
        publications=papers,
        languages=["en"],
    )


def split_title(text: str) -> tuple[str, str]:
    """Split a paper text into a need title (first sentence, or about 200 chars) and the rest.

    The cut falls on whitespace, so ``title + " " + description`` reproduces the text.
    """
    end = _SENTENCE_END.search(text)
    if end is not None and end.end() <= TITLE_MAX:
        cut = end.end()
    else:
        space = text.rfind(" ", 0, TITLE_MAX)
        cut = space if space > 0 else min(len(text), TITLE_MAX)
    return text[:cut].strip(), text[cut:].strip()


def dblp_task(directory: Path | None = None, data: DblpData | None = None) -> QualityTask:
    """The ``dblp-en`` task: labelled papers as needs, labelled authors as the pool.

    Args:
        directory: the eval-data root; `eval_data_dir` when omitted.
        data: already loaded arrays (skips reading the file).
    """
    data = load_dblp(directory) if data is None else data
    query_set = {int(d) for d in data.query_docs}
    query_texts = {data.texts[d] for d in query_set}
    experts: dict[int, Expert] = {}
    dropped_experts = 0
    for author in data.labelled_authors:
        # Also match on text: two documents of T are verbatim duplicates of each other.
        papers = [
            data.texts[d]
            for d in data.papers_of(int(author))
            if d not in query_set and data.texts[d] not in query_texts
        ]
        if papers:
            experts[int(author)] = _expert(int(author), papers)
        else:
            dropped_experts += 1
    demands: list[Demand] = []
    gold: dict[str, dict[str, int]] = {}
    dropped_queries = 0
    for row, doc in enumerate(data.query_docs):
        shared = data.query_tags[row].astype(int) @ data.expert_tags.astype(int)
        relevant = [int(data.labelled_authors[j]) for j in np.flatnonzero(shared)]
        judged = {expert_id(a): RELEVANT for a in relevant if a in experts}
        if not judged:
            dropped_queries += 1
            continue
        title, description = split_title(data.texts[int(doc)])
        demand = Demand(id=f"DBLP-D{int(doc):04d}", title=title, description=description)
        demands.append(demand)
        gold[demand.id] = judged
    notes = [
        f"all {len(query_set)} query papers are removed from every profile (stricter than upstream's "
        "per-query removal, so one index serves every query)",
        f"{dropped_experts} labelled authors dropped: no paper left; {dropped_queries} queries dropped: "
        "no relevant author left",
        "candidates without any tag (most of the 199) are judged non-relevant for every query, as upstream",
    ]
    return QualityTask(
        name="dblp-en",
        pair="en→en",
        description="DBLP expert finding (Brochier et al. 2020): each labelled paper is a need; relevant = "
        "labelled authors sharing one of its 7 topic tags; profiles = the authors' other papers.",
        pool=Pool("dblp-labelled", list(experts.values())),
        demands=demands,
        gold=gold,
        notes=notes,
    )


def dblp_all_experts(directory: Path | None = None, data: DblpData | None = None) -> list[Expert]:
    """All 707 DBLP authors with all their papers (query papers included), for the mixed pool.

    Authors without any paper in the source get an empty profile; they stay in so the pool is complete.
    """
    data = load_dblp(directory) if data is None else data
    return [
        _expert(author, [data.texts[d] for d in data.papers_of(author)])
        for author in range(data.doc_author.shape[1])
    ]
