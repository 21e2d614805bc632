"""One indexed record as retrieval and ranking see it (`CorpusEntry`), without a database round trip."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from matcher.domain.records import Demand, DemandStatus, Expert
from matcher.retrieval.profiles import Analysis

OPEN_DEMAND_STATUSES = (DemandStatus.OPEN, DemandStatus.MATCHING, DemandStatus.NEGOTIATING)
UNKNOWN_AGE_DAYS = 3 * 365.0  # the age assumed for a profile whose update date is unknown


@dataclass
class CorpusEntry:
    """What retrieval knows about one indexed record."""

    pk: int
    id: str
    content_hash: str
    language: str
    concepts: list[str]
    fields: list[str]
    industries: list[str]
    country: str = ""
    city: str = ""
    languages: list[str] = field(default_factory=list)
    cooperation_modes: list[str] = field(default_factory=list)
    active: bool = True
    updated_at: str | None = None
    groups: list[str] = field(default_factory=list)
    item_count: int = 0

    # Derived once per entry: the corpus builds its language-family incidence from it.
    @cached_property
    def language_families(self) -> frozenset[str]:
        """``zh``/``en``… families the person works in: spoken languages plus the profile's own."""
        spoken = {lang.lower().split("-")[0] for lang in self.languages}
        return frozenset(spoken | _written_languages(self.language))

    @cached_property
    def updated_date(self) -> date | None:
        """``updated_at`` parsed."""
        return date.fromisoformat(self.updated_at) if self.updated_at else None

    @classmethod
    def for_expert(cls, pk: int, expert: Expert, content_hash: str, analysis: Analysis) -> CorpusEntry:
        """Entry for an expert; ``groups`` are the expert's organisations."""
        return cls(
            pk=pk,
            id=expert.id,
            content_hash=content_hash,
            language=analysis.language,
            concepts=list(analysis.concepts),
            fields=list(analysis.fields),
            industries=list(analysis.industries),
            country=expert.country,
            city=expert.city or "",
            languages=list(expert.languages),
            cooperation_modes=[m.value for m in expert.cooperation_modes],
            active=expert.active,
            updated_at=expert.updated_at.isoformat() if expert.updated_at else None,
            groups=list(expert.organizations),
            item_count=len(analysis.items),
        )

    @classmethod
    def for_demand(cls, pk: int, demand: Demand, content_hash: str, analysis: Analysis) -> CorpusEntry:
        """Entry for a demand; ``groups`` holds its station, ``active`` means still open for matching."""
        return cls(
            pk=pk,
            id=demand.id,
            content_hash=content_hash,
            language=analysis.language,
            concepts=list(analysis.concepts),
            fields=list(analysis.fields),
            industries=list(analysis.industries),
            city=demand.region or "",
            cooperation_modes=[m.value for m in demand.cooperation_modes],
            active=demand.status in OPEN_DEMAND_STATUSES,
            updated_at=demand.posted_at.isoformat() if demand.posted_at else None,
            groups=[demand.station_id] if demand.station_id else [],
        )


def _written_languages(profile_language: str) -> set[str]:
    return {"zh", "en"} if profile_language == "bi" else {profile_language.split("-")[0]}


def age_in_days(entry: CorpusEntry, today: date) -> float:
    """Days since the profile was last updated (a large age when unknown)."""
    if entry.updated_date is None:
        return UNKNOWN_AGE_DAYS
    return float(max((today - entry.updated_date).days, 0))
