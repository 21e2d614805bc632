"""Why an expert was recommended: matched terms in both languages, shared fields, top contributions."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embeddings.text.glossary import Glossary
from matcher.catalogue.catalogue import Catalogue
from matcher.ranking.features import FEATURE_LABELS, FEATURE_NAMES
from matcher.retrieval.corpus import CorpusEntry
from matcher.retrieval.profiles import CONCEPT_PREFIX, Analysis


@dataclass(frozen=True)
class Term:
    """A technical term shown in both languages."""

    zh: str
    en: str


@dataclass(frozen=True)
class Contribution:
    """One feature's share of the score."""

    feature: str
    value: float
    contribution: float
    label_zh: str
    label_en: str


@dataclass
class Explanation:
    """Readable reasons for one recommendation, in Chinese and English."""

    matched_terms: list[Term] = field(default_factory=list)
    matched_words: list[str] = field(default_factory=list)
    shared_fields: list[Term] = field(default_factory=list)
    contributions: list[Contribution] = field(default_factory=list)
    text_zh: str = ""
    text_en: str = ""
    best_work: str | None = None


class Explainer:
    """Builds explanations from the query analysis, the candidate's entry and its features.

    Args:
        glossary: translates concept ids into zh/en terms.
        catalogue: labels catalogue fields.
        max_terms: how many matched terms to list.
        max_contributions: how many feature contributions to list.
    """

    def __init__(
        self, glossary: Glossary, catalogue: Catalogue, max_terms: int = 6, max_contributions: int = 3
    ) -> None:
        self.glossary = glossary
        self.catalogue = catalogue
        self.max_terms = max_terms
        self.max_contributions = max_contributions

    def explain(
        self,
        query: Analysis,
        entry: CorpusEntry,
        features: np.ndarray,
        contributions: np.ndarray,
        matched_words: list[str],
        best_work: str | None = None,
    ) -> Explanation:
        """Explanation of one candidate given its feature row and contribution row.

        ``best_work`` is the expert's publication closest to the need (最相关成果), shown shortened.
        """
        entry_concepts = set(entry.concepts)
        concepts = [c for c in query.concepts if c in entry_concepts][: self.max_terms]
        terms = [Term(self.glossary.translate(c, "zh"), self.glossary.translate(c, "en")) for c in concepts]
        concept_labels = {t.zh for t in terms} | {t.en.lower() for t in terms}
        words = [
            w
            for w in matched_words
            if not w.startswith(CONCEPT_PREFIX) and w not in concept_labels and len(w) > 1
        ][: self.max_terms]
        shared = [code for code in query.fields if code in set(entry.fields)]
        fields = [Term(self.catalogue.label(c, "zh"), self.catalogue.label(c, "en")) for c in shared]
        order = np.argsort(-contributions)
        top = [
            Contribution(
                feature=FEATURE_NAMES[i],
                value=round(float(features[i]), 4),
                contribution=round(float(contributions[i]), 4),
                label_zh=FEATURE_LABELS[FEATURE_NAMES[i]][0],
                label_en=FEATURE_LABELS[FEATURE_NAMES[i]][1],
            )
            for i in order[: self.max_contributions]
            if contributions[i] > 0
        ]
        explanation = Explanation(terms, words, fields, top, best_work=_headline(best_work))
        explanation.text_zh = _sentence(explanation, features, "zh")
        explanation.text_en = _sentence(explanation, features, "en")
        return explanation


_HEADLINE_CHARS = 120


def _headline(text: str | None) -> str | None:
    """A publication's first line, shortened for display (its title when titles come first)."""
    if not text or not text.strip():
        return None
    line = text.strip().splitlines()[0].strip()
    return line if len(line) <= _HEADLINE_CHARS else line[: _HEADLINE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Wording:
    terms: str
    words: str
    fields: str
    similarity: str
    work: str
    reasons: str
    list_sep: str
    part_sep: str
    end: str


_WORDING = {
    "zh": _Wording(
        "匹配术语：",
        "匹配关键词：",
        "共同领域：",
        "语义相似度",
        "最相关成果：",
        "主要依据：",
        "、",
        "；",
        "。",
    ),
    "en": _Wording(
        "Matched terms: ",
        "Matched keywords: ",
        "Shared fields: ",
        "semantic similarity",
        "most relevant work: ",
        "main reasons: ",
        ", ",
        "; ",
        ".",
    ),
}


def _sentence(e: Explanation, features: np.ndarray, language: str) -> str:
    """The explanation as one sentence in ``zh`` or ``en``, each term followed by its translation."""
    w = _WORDING[language]
    parts = []
    if e.matched_terms:
        if language == "zh":
            terms = [f"{t.zh}（{t.en}）" for t in e.matched_terms]
        else:
            terms = [f"{t.en} ({t.zh})" for t in e.matched_terms]
        parts.append(w.terms + w.list_sep.join(terms))
    elif e.matched_words:
        parts.append(w.words + w.list_sep.join(e.matched_words))
    if e.shared_fields:
        parts.append(w.fields + w.list_sep.join(getattr(t, language) for t in e.shared_fields))
    parts.append(f"{w.similarity} {features[FEATURE_NAMES.index('dense')]:.2f}")
    if e.best_work:
        parts.append(w.work + (f"《{e.best_work}》" if language == "zh" else f"“{e.best_work}”"))
    if e.contributions:
        labels = [c.label_zh if language == "zh" else c.label_en for c in e.contributions]
        parts.append(w.reasons + w.list_sep.join(labels))
    return w.part_sep.join(parts) + w.end
