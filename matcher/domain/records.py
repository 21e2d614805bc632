"""Validated domain records: experts, organisations, sites (bases/stations), demands, matches.

Records are pydantic models so every import path (CSV, XLSX, JSONL, API) validates the same way.
Multi-valued fields are lists; the storage layer serialises them, callers never see delimiters.
Text limits and the text rule live in `matcher.domain.text_fields` (re-exported here).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from embeddings.text.normalize import content_hash
from matcher.domain.countries import COUNTRIES, to_country_code
from matcher.domain.text_fields import (
    EMAIL_PATTERN,
    ID_PATTERN,
    ORCID_PATTERN,
    TEXT_LIMITS,
    TEXT_PATTERN,
    IdRef,
    LongText,
    NameText,
    NoteText,
    PublicationList,
    ShortText,
    StrList,
    TextRule,
    is_strict_input,
    lenient_input,
    split_multi,
    strict_input,
    unstorable_character,
)

__all__ = ["TEXT_LIMITS", "TEXT_PATTERN", "lenient_input", "strict_input", "unstorable_character"]


class CooperationMode(StrEnum):
    """Preferred cooperation modes (合作方式)."""

    FULL_TIME = "full_time"  # 全职
    FLEXIBLE = "flexible"  # 柔性
    PART_TIME = "part_time"  # 兼职
    PROJECT = "project"  # 项目合作
    TECH_TRANSFER = "tech_transfer"  # 技术转让
    CONSULTING = "consulting"  # 咨询
    OFFSHORE = "offshore"  # 离岸


COOPERATION_LABELS_ZH: dict[CooperationMode, str] = {
    CooperationMode.FULL_TIME: "全职",
    CooperationMode.FLEXIBLE: "柔性",
    CooperationMode.PART_TIME: "兼职",
    CooperationMode.PROJECT: "项目合作",
    CooperationMode.TECH_TRANSFER: "技术转让",
    CooperationMode.CONSULTING: "咨询",
    CooperationMode.OFFSHORE: "离岸",
}

_COOPERATION_ALIASES: dict[str, CooperationMode] = {
    **{label: mode for mode, label in COOPERATION_LABELS_ZH.items()},
    "柔性引进": CooperationMode.FLEXIBLE,
    "技术咨询": CooperationMode.CONSULTING,
    "离岸创新": CooperationMode.OFFSHORE,
    "远程": CooperationMode.OFFSHORE,
    "full-time": CooperationMode.FULL_TIME,
    "part-time": CooperationMode.PART_TIME,
    "remote": CooperationMode.OFFSHORE,
    "technology transfer": CooperationMode.TECH_TRANSFER,
    "consultancy": CooperationMode.CONSULTING,
}


def parse_cooperation_mode(value: str) -> CooperationMode:
    """Map an English code, English phrase or Chinese label to a `CooperationMode`.

    Raises:
        ValueError: if the value names no known mode.
    """
    key = value.strip().lower().replace(" ", "_")
    for mode in CooperationMode:
        if key == mode.value:
            return mode
    alias = _COOPERATION_ALIASES.get(value.strip()) or _COOPERATION_ALIASES.get(value.strip().lower())
    if alias is None:
        allowed = ", ".join(m.value for m in CooperationMode)
        raise ValueError(f"unknown cooperation mode {value!r} (allowed: {allowed} or 全职/柔性/兼职/…)")
    return alias


def _cooperation_list(value: object) -> list[CooperationMode]:
    if is_strict_input():
        if not isinstance(value, list):
            raise ValueError("expected a JSON array of cooperation mode codes")
        return [CooperationMode(item) for item in value]
    return [parse_cooperation_mode(item) for item in split_multi(value)]


CooperationList = Annotated[list[CooperationMode], BeforeValidator(_cooperation_list)]


class SiteKind(StrEnum):
    """Kinds of 海智 sites."""

    BASE = "base"  # 海智基地
    OFFSHORE_BASE = "offshore_base"  # 离岸创新创业基地
    STATION = "station"  # 海智工作站
    OVERSEAS_STATION = "overseas_station"  # 海外工作站


class DemandStatus(StrEnum):
    """Project-flow status of an enterprise demand."""

    OPEN = "open"
    MATCHING = "matching"
    NEGOTIATING = "negotiating"
    COOPERATING = "cooperating"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class MatchStatus(StrEnum):
    """Lifecycle of one (demand, expert) pair: 推荐 → 联系 → 洽谈 → 签约 / declined / no response."""

    RECOMMENDED = "recommended"
    CONTACTED = "contacted"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    DECLINED = "declined"
    NO_RESPONSE = "no_response"


class Record(BaseModel):
    """Base for all records: strips strings, forbids unknown fields."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid", use_enum_values=False)

    id: str = Field(min_length=1, max_length=64, pattern=ID_PATTERN)


def _country_code(value: object) -> object:
    if not isinstance(value, str):
        return value
    if is_strict_input():
        if value not in COUNTRIES:
            raise ValueError(f"unknown country code {value!r} (ISO alpha-2, e.g. US)")
        return value
    return to_country_code(value)


CountryCode = Annotated[
    str, BeforeValidator(_country_code), WithJsonSchema({"type": "string", "enum": sorted(COUNTRIES)})
]
"""An ISO alpha-2 code of a country experts come from; files may also name it (美国, Germany)."""

EmailText = Annotated[str, TextRule(254, EMAIL_PATTERN, message="an email address")]
OrcidText = Annotated[str, TextRule(40, ORCID_PATTERN, message="an ORCID iD (0000-0000-0000-0000)")]


class Expert(Record):
    """海外专家: an overseas expert's profile (zh, en, traditional Chinese, or bilingual)."""

    name: NameText
    name_en: ShortText | None = None
    email: EmailText | None = None
    phone: Annotated[str, TextRule(50)] | None = None
    orcid: OrcidText | None = None
    country: CountryCode
    city: ShortText | None = None
    affiliation: ShortText | None = None
    title: ShortText | None = None
    organizations: StrList = Field(default_factory=list)
    industries: StrList = Field(default_factory=list)
    fields: StrList = Field(default_factory=list)
    keywords: StrList = Field(default_factory=list)
    bio: LongText = ""
    publications: PublicationList = Field(default_factory=list)
    languages: StrList = Field(default_factory=list)
    cooperation_modes: CooperationList = Field(default_factory=list)
    active: bool = True
    updated_at: date | None = None

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise ValueError(f"not an email address: {value!r}")
        return value or None

    @field_validator("orcid")
    @classmethod
    def _check_orcid(cls, value: str | None) -> str | None:
        if value and not re.fullmatch(r"\d{4}-\d{4}-\d{4}-\d{3}[\dX]", value):
            raise ValueError(f"not an ORCID iD (0000-0000-0000-0000): {value!r}")
        return value or None

    @field_validator("languages")
    @classmethod
    def _lower_languages(cls, value: list[str]) -> list[str]:
        return [v.lower() for v in value]


class Organization(Record):
    """海外团体: an overseas organisation (scholars' association, overseas station host …)."""

    name: NameText
    name_en: ShortText | None = None
    country: CountryCode
    city: ShortText | None = None
    kind: Annotated[str, TextRule(64)] = "association"
    website: Annotated[str, TextRule(TEXT_LIMITS["item"])] | None = None
    email: EmailText | None = None
    description: LongText = ""


class Site(Record):
    """A base (海智基地 / 离岸基地) or station (海智工作站 / 海外工作站)."""

    name: NameText
    name_en: ShortText | None = None
    kind: SiteKind
    parent_id: IdRef | None = None
    province: ShortText | None = None
    city: ShortText | None = None
    host: ShortText | None = None
    contact_emails: StrList = Field(default_factory=list)
    contact_language: Annotated[str, TextRule(16)] = "zh"
    active: bool = True


class Demand(Record):
    """企业需求: a technical need posted by a station's enterprise."""

    station_id: IdRef | None = None
    title: NameText
    description: LongText = ""
    enterprise: ShortText | None = None
    industry: Annotated[str, TextRule(64)] | None = None
    fields: StrList = Field(default_factory=list)
    keywords: StrList = Field(default_factory=list)
    cooperation_modes: CooperationList = Field(default_factory=list)
    region: ShortText | None = None
    budget_wan: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    deadline: date | None = None
    status: DemandStatus = DemandStatus.OPEN
    posted_at: date | None = None


class Match(BaseModel):
    """The lifecycle state of one (demand, expert) pair."""

    model_config = ConfigDict(extra="forbid")

    demand_id: str
    expert_id: str
    status: MatchStatus = MatchStatus.RECOMMENDED
    score: float | None = None
    note: NoteText = ""
    updated_at: datetime | None = None


RECORD_TYPES: dict[str, type[Record]] = {
    "experts": Expert,
    "organizations": Organization,
    "sites": Site,
    "demands": Demand,
}


def record_hash(record: Record) -> str:
    """SHA-256 of the record's canonical JSON: the store skips writing an equal hash, the index re-embeds
    on a different one."""
    return content_hash(record.model_dump_json())
