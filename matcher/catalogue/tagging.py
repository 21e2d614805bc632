"""Catalogue override in the data directory, auto-tagging of records, and tagging quality.

The guidance catalogue can be edited and re-imported (``haizhi catalogue import``); the edited copy
lives in ``<data_dir>/catalogue.json`` and `load_catalogue` prefers it to the bundled default. The
`Matcher` builds its `Analyzer` with it, so indexing, filters and gap reports use the edited fields.

`AutoTagger` tags a record's text with catalogue fields (`Catalogue.tag`) and industries. Industry
evidence = the summed keyword scores of its tagged fields plus one vote per zh↔en glossary concept of
that industry found in the text (the glossary covers many terms the catalogue keywords do not). Every
industry scoring at least ``ratio`` × the best industry's score is kept, so an expert working in
two industries gets both while a single stray keyword does not add a second industry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embeddings.atomic import write_text_atomic
from embeddings.text.glossary import Glossary
from matcher.catalogue.catalogue import Catalogue
from matcher.domain.records import Demand, Expert
from matcher.retrieval.profiles import demand_text, expert_text

OVERRIDE_FILE = "catalogue.json"


def catalogue_override_path(data_dir: Path) -> Path:
    """Where the edited catalogue of a data directory is stored."""
    return Path(data_dir) / OVERRIDE_FILE


def load_catalogue(data_dir: Path | None = None) -> Catalogue:
    """The data directory's edited catalogue if there is one, else the bundled default.

    Raises:
        ValueError: if the override file exists but is invalid (the message names the file).
    """
    if data_dir is not None:
        path = catalogue_override_path(data_dir)
        if path.exists():
            return Catalogue.load(path)
    return Catalogue.load()


def catalogue_document(catalogue: Catalogue) -> dict[str, Any]:
    """The catalogue in the JSON shape `Catalogue.from_dict` reads."""
    return {
        "version": 1,
        "industries": [
            {
                "code": industry.code,
                "zh": industry.zh,
                "en": industry.en,
                "fields": [
                    {
                        "code": f.code,
                        "zh": f.zh,
                        "en": f.en,
                        "keywords_zh": list(f.keywords_zh),
                        "keywords_en": list(f.keywords_en),
                    }
                    for f in catalogue.fields_of(industry.code)
                ],
            }
            for industry in catalogue.industries
        ],
    }


def write_catalogue_json(catalogue: Catalogue, path: Path) -> Path:
    """Write ``catalogue`` as JSON (the bundled file's shape) atomically; returns the path."""
    path = Path(path)
    text = json.dumps(catalogue_document(catalogue), ensure_ascii=False, indent=2)
    write_text_atomic(path, text + "\n")
    return path


def save_catalogue_override(catalogue: Catalogue, data_dir: Path) -> Path:
    """Store ``catalogue`` as the data directory's override (atomic); returns the path."""
    return write_catalogue_json(catalogue, catalogue_override_path(data_dir))


def remove_catalogue_override(data_dir: Path) -> bool:
    """Delete the override (back to the bundled default); True if there was one."""
    path = catalogue_override_path(data_dir)
    if path.exists():
        path.unlink()
        return True
    return False


@dataclass(frozen=True)
class Tags:
    """Catalogue tags of one text: field codes and industry codes, best first."""

    fields: tuple[str, ...]
    industries: tuple[str, ...]


class AutoTagger:
    """Tags texts and records with catalogue fields and industries.

    Args:
        catalogue: the guidance catalogue (bundled default when omitted).
        glossary: the zh↔en glossary whose concept industries add evidence (bundled when omitted).
        ratio: keep every industry scoring ≥ ``ratio`` × the best one.
        max_fields: at most this many field codes per text.
    """

    def __init__(
        self,
        catalogue: Catalogue | None = None,
        glossary: Glossary | None = None,
        ratio: float = 0.6,
        max_fields: int = 3,
    ) -> None:
        self.catalogue = catalogue or Catalogue.load()
        self.glossary = glossary or Glossary.load()
        self.ratio = ratio
        self.max_fields = max_fields

    def industry_scores(self, text: str) -> dict[str, float]:
        """Evidence per industry code (catalogue keyword scores + glossary concept votes)."""
        known = {industry.code for industry in self.catalogue.industries}
        scores: dict[str, float] = {}
        for code, score in self.catalogue.tag(text, top=len(self.catalogue.fields)):
            industry = self.catalogue.field(code).industry
            scores[industry] = scores.get(industry, 0.0) + score
        for concept_id in self.glossary.concept_ids(text):
            industry = self.glossary.concepts[concept_id].industry
            if industry in known:
                scores[industry] = scores.get(industry, 0.0) + 1.0
        return scores

    def tag_text(self, text: str) -> Tags:
        """Fields and industries signalled by ``text`` (empty when nothing matched)."""
        scores = self.industry_scores(text)
        if not scores:
            return Tags((), ())
        best = max(scores.values())
        order = {industry.code: i for i, industry in enumerate(self.catalogue.industries)}
        industries = sorted(
            (code for code, score in scores.items() if score >= self.ratio * best),
            key=lambda code: (-scores[code], order[code]),
        )
        fields = [code for code, _ in self.catalogue.tag(text, top=self.max_fields)]
        return Tags(tuple(fields), tuple(industries))

    def tag_record(self, record: Demand | Expert) -> Tags:
        """Tags of a demand (title, description, fields, keywords) or expert (fields, keywords, bio …)."""
        text = demand_text(record) if isinstance(record, Demand) else expert_text(record)
        return self.tag_text(text)

    def fill_industries(self, records: Iterable[Demand | Expert]) -> list[Demand | Expert]:
        """Copies of the records whose industry was empty, with the tagged industries filled in."""
        changed: list[Demand | Expert] = []
        for record in records:
            if isinstance(record, Demand) and not record.industry:
                tags = self.tag_record(record)
                if tags.industries:
                    changed.append(record.model_copy(update={"industry": tags.industries[0]}))
            elif isinstance(record, Expert) and not record.industries:
                tags = self.tag_record(record)
                if tags.industries:
                    changed.append(record.model_copy(update={"industries": list(tags.industries)}))
        return changed


@dataclass(frozen=True)
class TaggingQuality:
    """Micro-averaged precision and recall of tagged industries against gold industries."""

    records: int
    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        """Share of tagged industries that are gold."""
        return self.true_positives / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        """Share of gold industries that were tagged."""
        return self.true_positives / self.gold if self.gold else 0.0


def industry_tagging_quality(tagger: AutoTagger, records: Sequence[Demand | Expert]) -> TaggingQuality:
    """Compare tagged industries with the records' own (gold) industries.

    Gold: a demand's ``industry``, an expert's ``industries``; records without gold are skipped.
    The tagger only sees the text (`demand_text` / `expert_text`), never the gold columns.
    """
    counted = true_positives = predicted = gold_total = 0
    for record in records:
        gold = {record.industry} if isinstance(record, Demand) and record.industry else set()
        if isinstance(record, Expert):
            gold = set(record.industries)
        if not gold:
            continue
        tagged = set(tagger.tag_record(record).industries)
        counted += 1
        true_positives += len(tagged & gold)
        predicted += len(tagged)
        gold_total += len(gold)
    return TaggingQuality(counted, true_positives, predicted, gold_total)
