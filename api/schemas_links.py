"""Request and response bodies of the experts' links and of the expert page's JSON API.

Kept apart from the storage rows (`api.access.links.ExpertLink`): what an expert sees of a demand is
its public part only (no enterprise, station, budget or contacts), and of themselves their profile
without email and phone.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import UtcDateTime
from matcher.domain.records import CooperationList, CooperationMode, MatchStatus
from matcher.domain.text_fields import IdRef, NoteText, PublicationList, ShortText, StrList

Answer = Literal["interested", "not_now", "more_info"]
"""感兴趣 interested / 暂不考虑 not now / 需要更多信息 more information."""


class LinkIn(BaseModel):
    """Create a personal link for an expert."""

    model_config = ConfigDict(extra="forbid")

    days: int | None = Field(default=None, ge=1, le=365, description="Lifetime (default HAIZHI_LINK_DAYS).")
    purpose: Literal["respond", "profile"] = Field(
        default="respond",
        description="respond: demands and profile, until expiry; profile: confirm the profile, single use.",
    )
    demand_ids: list[IdRef] = Field(
        default_factory=list,
        max_length=50,
        description="Demands to propose: each gets a 'recommended' match if it has none yet.",
    )
    note: NoteText = ""


class LinkOut(BaseModel):
    """A link as listed (never its token)."""

    link_id: str
    expert_id: str
    purpose: str
    state: str = Field(description="accepted (usable), expired, revoked or used.")
    created_at: UtcDateTime
    created_by: str
    expires_at: UtcDateTime
    revoked_at: UtcDateTime | None = None
    used_at: UtcDateTime | None = None
    last_seen_at: UtcDateTime | None = None
    visits: int = 0
    note: str = ""


class LinkCreatedOut(LinkOut):
    """A new link with its token and address (send the address to the expert)."""

    token: str
    url: str


class AnswerIn(BaseModel):
    """The expert's answer to one demand recommended to them."""

    model_config = ConfigDict(extra="forbid")

    demand_id: IdRef
    answer: Answer
    note: NoteText = ""


class AnswerOut(BaseModel):
    """The recorded answer and the match's lifecycle status after it."""

    demand_id: str
    answer: Answer
    status: MatchStatus


class PortalDemandOut(BaseModel):
    """The public part of a demand recommended to the expert, with the expert's own match state."""

    id: str
    title: str
    description: str = ""
    industry: str | None = None
    fields: list[str] = []
    keywords: list[str] = []
    cooperation_modes: list[CooperationMode] = []
    region: str | None = None
    deadline: date | None = None
    status: MatchStatus
    answer: Answer | None = None
    answerable: bool = True


class ProfileOut(BaseModel):
    """The expert's own profile as the page shows it (no email or phone)."""

    id: str
    name: str
    name_en: str | None = None
    country: str
    city: str | None = None
    affiliation: str | None = None
    title: str | None = None
    keywords: list[str] = []
    publications: list[str] = []
    cooperation_modes: list[CooperationMode] = []
    available: bool = True
    updated_at: date | None = None


class ProfileIn(BaseModel):
    """The expert's confirmation or edit of their profile; omitted fields keep their values.

    An empty body confirms the profile as it is (its update date becomes today).
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    affiliation: ShortText | None = None
    title: ShortText | None = None
    keywords: StrList | None = None
    publications: PublicationList | None = None
    cooperation_modes: CooperationList | None = None
    available: bool | None = Field(default=None, description="Open to new cooperation (the record's active).")


class PortalDataOut(BaseModel):
    """Everything the expert page shows."""

    language: str
    purpose: str
    expires_at: UtcDateTime
    profile: ProfileOut
    demands: list[PortalDemandOut]
