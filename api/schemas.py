"""Request and response schemas of recommendations, matches, imports and system endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from api.schemas_records import DemandOut, ExpertOut
from matcher.domain.records import CooperationMode, MatchStatus
from matcher.domain.text_fields import (
    REQUIRED_TEXT_PATTERN,
    CodeText,
    IdRef,
    LanguageText,
    NoteText,
    ShortText,
    TextRule,
)
from matcher.retrieval.corpus import Filters


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
"""The store keeps naive UTC timestamps; responses state the zone (RFC 3339 ``…+00:00``)."""


NeedText = Annotated[str, TextRule(4000, REQUIRED_TEXT_PATTERN, min_length=1)]
"""A need as free text: up to 4,000 characters (the encoder reads far fewer), not only whitespace."""


class FiltersIn(BaseModel):
    """Hard filters; an empty list means "any"."""

    model_config = ConfigDict(extra="forbid")

    industries: list[CodeText] = Field(
        default=[], max_length=50, description="Catalogue industry codes, e.g. ai."
    )
    fields: list[CodeText] = Field(default=[], max_length=50, description="Catalogue field codes.")
    countries: list[CodeText] = Field(
        default=[], max_length=50, description="ISO country codes, e.g. US, DE."
    )
    regions: list[ShortText] = Field(default=[], max_length=50, description="City or country names.")
    cooperation_modes: list[CooperationMode] = Field(default=[], max_length=7)
    languages: list[LanguageText] = Field(default=[], max_length=20, description="Languages: zh, en …")
    exclude_ids: list[IdRef] = Field(default=[], max_length=500)
    active_only: bool = True

    @field_validator("countries")
    @classmethod
    def _upper(cls, value: list[str]) -> list[str]:
        return [v.strip().upper() for v in value if v.strip()]

    def to_filters(self) -> Filters:
        """The matcher's filter object."""
        return Filters(
            industries=list(self.industries),
            fields=list(self.fields),
            countries=list(self.countries),
            regions=list(self.regions),
            cooperation_modes=list(self.cooperation_modes),
            languages=[v.lower() for v in self.languages],
            active_only=self.active_only,
            exclude_ids=list(self.exclude_ids),
        )


class RecommendIn(BaseModel):
    """A need as free text (zh or en) or a stored demand id, with k and filters."""

    # exactly one of text / demand_id, stated in the schema too so clients (and fuzzers) know
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["text"], "properties": {"text": {"type": "string"}}},
                {"required": ["demand_id"], "properties": {"demand_id": {"type": "string"}}},
            ]
        },
    )

    text: NeedText | None = Field(default=None, description="The need, zh or en.")
    demand_id: IdRef | None = None
    k: int = Field(default=10, ge=1, le=50)
    filters: FiltersIn = Field(default_factory=FiltersIn)


class TermOut(BaseModel):
    """A technical term or field in both languages."""

    zh: str
    en: str


class ContributionOut(BaseModel):
    """One feature's share of the score."""

    feature: str
    value: float
    contribution: float
    label_zh: str
    label_en: str


class ExplanationOut(BaseModel):
    """Why this result: matched terms (zh/en), shared fields, top feature contributions, two sentences."""

    matched_terms: list[TermOut] = []
    matched_words: list[str] = []
    shared_fields: list[TermOut] = []
    contributions: list[ContributionOut] = []
    text_zh: str = ""
    text_en: str = ""
    best_work: str | None = Field(default=None, description="The expert's publication closest to the need.")


class ExpertRecommendationOut(BaseModel):
    """One recommended expert."""

    rank: int
    expert_id: str
    score: float
    features: dict[str, float]
    explanation: ExplanationOut | None = None
    expert: ExpertOut | None = None
    match_status: MatchStatus | None = Field(
        default=None, description="Current lifecycle status for the demand, when a demand was given."
    )


class RecommendOut(BaseModel):
    """Ranked experts for a need."""

    text: str | None = None
    demand_id: str | None = None
    k: int
    results: list[ExpertRecommendationOut]


class DemandRecommendationOut(BaseModel):
    """One demand an expert could solve."""

    rank: int
    demand_id: str
    score: float
    explanation: ExplanationOut | None = None
    demand: DemandOut | None = None


class ExpertDemandsOut(BaseModel):
    """Demands for one expert (outreach), limited to the demands the key may see."""

    expert_id: str
    results: list[DemandRecommendationOut]


class MatchIn(BaseModel):
    """Move a match to a new lifecycle status."""

    model_config = ConfigDict(extra="forbid")

    status: MatchStatus
    note: NoteText = ""
    score: float | None = Field(default=None, allow_inf_nan=False)


class MatchEventOut(BaseModel):
    """One history entry of a match."""

    from_status: MatchStatus | None
    to_status: MatchStatus
    note: str
    actor: str
    at: UtcDateTime


class MatchOut(BaseModel):
    """A match and its history."""

    demand_id: str
    expert_id: str
    status: MatchStatus
    score: float | None = None
    note: str = ""
    updated_at: UtcDateTime | None = None
    history: list[MatchEventOut] = []


class ImportOut(BaseModel):
    """Outcome of a bulk import (all or nothing)."""

    kind: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    indexed: int


class HealthOut(BaseModel):
    """Liveness, index sizes and whether the indexes are behind the database."""

    status: str
    experts_indexed: int
    demands_indexed: int
    encoder: str
    experts_stored: int = Field(0, description="Experts in the database.")
    demands_stored: int = Field(0, description="Demands in the database.")
    experts_behind: int = Field(
        0, description="Experts not yet indexed, changed since indexed, or deleted but still indexed."
    )
    demands_behind: int = Field(
        0, description="Demands not yet indexed, changed since indexed, or deleted but still indexed."
    )
    index_behind: bool = Field(False, description="True when either index is behind the database.")
    index_notice: str | None = Field(
        None, description="What is behind and what to do (run `haizhi build-index`), or null."
    )


class MeOut(BaseModel):
    """The calling key."""

    key_id: str
    name: str
    role: str
    site_id: str | None
    sees_contacts: bool
    station_ids: list[str] | None


class AuditOut(BaseModel):
    """One audit log entry."""

    at: UtcDateTime
    key_id: str
    actor: str
    role: str
    site_id: str | None
    action: str
    target_kind: str
    target_id: str
    detail: dict[str, Any]


class LabelOut(BaseModel):
    """A code with Chinese and English labels."""

    code: str
    zh: str
    en: str


class CatalogOut(BaseModel):
    """Values for the page's filter menus."""

    industries: list[LabelOut]
    cooperation_modes: list[LabelOut]
