"""Turn records into what retrieval needs: texts to embed, lexical terms, concepts, catalogue tags.

Experts are documents and demands are queries. The `Analyzer` wires the tokenizer, the zh↔en glossary
and the guidance catalogue together so every path (index build, online query, batch) sees the same terms.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property

from embeddings.text.glossary import Glossary
from embeddings.text.normalize import count_ascii_letters, count_han, detect_language, has_han, to_simplified
from embeddings.text.tokenize import Tokenizer
from matcher.catalogue.catalogue import Catalogue
from matcher.domain.records import CooperationMode, Demand, Expert

CONCEPT_PREFIX = "c:"
ANALYSIS_VERSION = 4  # bump when tokenisation or analysis logic changes (v4: encoder reads simplified)
MAX_ITEMS = 1023  # texts per expert in the item index (item ids keep 10 bits for the position)
EMBEDDED_PUBLICATIONS = 3  # publications inside the whole-profile text that is embedded


@dataclass(frozen=True)
class Analysis:
    """Analysed text of one record or free-text query.

    Attributes:
        text: the text that is embedded (Chinese as simplified, see `embedding_text`).
        language: ``zh``, ``zh-tw``, ``en`` or ``bi`` (both Chinese and English content).
        terms: lexical terms (jieba/English tokens plus ``c:<concept>`` glossary concept terms).
        concepts: glossary concept ids found in the text, in order of appearance.
        fields: catalogue field codes (explicit or tagged from the text).
        industries: catalogue industry codes.
        cooperation_modes: the cooperation modes the record states.
        items: texts embedded one by one (an expert's profile block and each publication), in the form
            the encoder reads (`embedding_text`).
        item_terms: lexical terms of each item (same order as ``items``), for per-item BM25.
    """

    text: str
    language: str
    terms: tuple[str, ...]
    concepts: tuple[str, ...]
    fields: tuple[str, ...]
    industries: tuple[str, ...]
    cooperation_modes: tuple[CooperationMode, ...] = field(default=())
    items: tuple[str, ...] = field(default=())
    item_terms: tuple[tuple[str, ...], ...] = field(default=())

    @cached_property
    def concept_set(self) -> frozenset[str]:
        """The concepts as a set, for overlap features."""
        return frozenset(self.concepts)


def profile_language(text: str) -> str:
    """Classify a profile's language: ``bi`` when it carries substantial Chinese and English text."""
    han = count_han(text)
    latin = count_ascii_letters(text)
    if han >= 20 and latin >= 120:
        return "bi"
    return detect_language(text) or "en"


def embedding_text(text: str) -> str:
    """The form of a text the encoder reads: Chinese converted to simplified.

    USE reads simplified Chinese far better than traditional: on the CSL task with its profiles converted
    to traditional, dense nDCG@10 is 0.28 when they are embedded as they are and 0.38 when they are
    embedded as simplified (docs/quality.md). Display and language detection keep the original.
    """
    return to_simplified(text) if has_han(text) else text


def expert_block(expert: Expert) -> str:
    """The expert's own description: fields, keywords, title and bio (no publications)."""
    parts = ["；".join(expert.fields), "；".join(expert.keywords), expert.title or "", expert.bio]
    return "\n".join(part for part in parts if part)


def expert_items(expert: Expert) -> list[str]:
    """Texts embedded one by one: the profile block (when present), then each distinct publication.

    The position in this list is the item's position in the item index, so explanations can name the
    best-matching publication from the record alone.
    """
    block = expert_block(expert)
    publications = [p for p in dict.fromkeys(expert.publications) if p.strip()]
    return ([block] if block else []) + publications[: MAX_ITEMS - 1]


def expert_text(expert: Expert) -> str:
    """The expert's whole-profile text: profile block and the first `EMBEDDED_PUBLICATIONS` publications."""
    parts = [expert_block(expert), "；".join(expert.publications[:EMBEDDED_PUBLICATIONS])]
    return "\n".join(part for part in parts if part)


def demand_text(demand: Demand) -> str:
    """The demand's query text: title, description, fields and keywords."""
    parts = [demand.title, demand.description, "；".join(demand.fields), "；".join(demand.keywords)]
    return "\n".join(part for part in parts if part)


class Analyzer:
    """Analyses experts, demands and free-text needs with one tokenizer, glossary and catalogue.

    Args:
        glossary: the zh↔en technical glossary (bundled default when omitted).
        catalogue: the guidance catalogue (bundled default when omitted).
        max_tags: how many catalogue fields to tag from free text.
    """

    def __init__(
        self, glossary: Glossary | None = None, catalogue: Catalogue | None = None, max_tags: int = 3
    ) -> None:
        self.glossary = glossary or Glossary.load()
        self.catalogue = catalogue or Catalogue.load()
        self.max_tags = max_tags
        words = [*self.glossary.zh_terms(), *self.catalogue.terms()]
        self.tokenizer = Tokenizer(user_words=words)

    @cached_property
    def fingerprint(self) -> str:
        """Identity of everything that shapes an analysis (glossary, catalogue, analysis version).

        Indexes record it: when the glossary or catalogue is edited, stored analyses are stale even though
        no record changed, so the next build re-analyses everything (embeddings come from the cache).
        """
        digest = hashlib.sha256(f"analysis-v{ANALYSIS_VERSION}".encode())
        for concept_id in sorted(self.glossary.concepts):
            digest.update(repr(self.glossary.concepts[concept_id]).encode())
        for catalogue_field in self.catalogue.fields:
            digest.update(repr(catalogue_field).encode())
        return digest.hexdigest()[:16]

    def analyze_text(
        self,
        text: str,
        *,
        fields: Iterable[str] = (),
        industries: Iterable[str] = (),
        cooperation_modes: Iterable[CooperationMode] = (),
        terms: tuple[str, ...] | None = None,
    ) -> Analysis:
        """Analyse any text; explicit fields/industries are merged with tags found in the text.

        ``terms`` (already tokenised pieces of the same text) skips tokenising it again.
        """
        if terms is None:
            terms = self.lexical_terms(text)
        concepts = tuple(_unique(t[len(CONCEPT_PREFIX) :] for t in terms if t.startswith(CONCEPT_PREFIX)))
        tagged = [code for code, _ in self.catalogue.tag(text, top=self.max_tags)]
        field_codes = _unique([*self._field_codes(fields), *tagged])
        industry_codes = _unique(
            [*self._industry_codes(industries), *(code.split(".", 1)[0] for code in field_codes)]
        )
        return Analysis(
            text=embedding_text(text),
            language=profile_language(text),
            terms=terms,
            concepts=concepts,
            fields=tuple(field_codes),
            industries=tuple(industry_codes),
            cooperation_modes=tuple(cooperation_modes),
        )

    def lexical_terms(self, text: str) -> tuple[str, ...]:
        """Tokens of a text followed by its glossary concept terms (``c:<concept>``)."""
        concepts = self.glossary.concept_ids(text)
        return (*self.tokenizer.tokenize(text), *(CONCEPT_PREFIX + c for c in concepts))

    def analyze_expert(self, expert: Expert) -> Analysis:
        """Analyse an expert profile (a document).

        Each item (profile block, each distinct publication) is tokenised once; the profile's lexical
        terms are their concatenation, so profile BM25 and per-item BM25 read the same tokens. The
        embedded whole-profile text keeps the first few publications; each item is embedded alone.
        """
        items = tuple(expert_items(expert))
        item_terms = tuple(self.lexical_terms(item) for item in items)
        analysis = self.analyze_text(
            "\n".join(items),
            industries=expert.industries,
            cooperation_modes=expert.cooperation_modes,
            terms=tuple(term for terms in item_terms for term in terms),
        )
        embedded = tuple(embedding_text(item) for item in items)
        return replace(
            analysis, text=embedding_text(expert_text(expert)), items=embedded, item_terms=item_terms
        )

    def analyze_demand(self, demand: Demand) -> Analysis:
        """Analyse an enterprise demand (a query)."""
        return self.analyze_text(
            demand_text(demand),
            industries=[demand.industry] if demand.industry else [],
            cooperation_modes=demand.cooperation_modes,
        )

    def query_weights(self, analysis: Analysis, concept_weight: float = 1.5) -> dict[str, float]:
        """Lexical query: each token once, glossary concepts weighted so they carry across languages."""
        weights: dict[str, float] = {}
        for term in analysis.terms:
            weight = concept_weight if term.startswith(CONCEPT_PREFIX) else 1.0
            weights[term] = max(weights.get(term, 0.0), weight)
        return weights

    def _field_codes(self, values: Iterable[str]) -> list[str]:
        known = {f.code for f in self.catalogue.fields}
        return [v for v in values if v in known]

    def _industry_codes(self, values: Iterable[str]) -> list[str]:
        codes = []
        for value in values:
            code = self.catalogue.resolve_industry(value)
            if code:
                codes.append(code)
        return codes


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
