"""Response schemas of records (separate from the stored records: contact fields are optional here)."""

from __future__ import annotations

from datetime import date
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from matcher.domain.records import CooperationMode, DemandStatus, Expert, Organization, Record, SiteKind

T = TypeVar("T")


class ExpertOut(BaseModel):
    """An expert's profile; ``email`` and ``phone`` are null unless the key's role may see contacts."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    name_en: str | None = None
    email: str | None = None
    phone: str | None = None
    contacts_hidden: bool = False
    orcid: str | None = None
    country: str
    city: str | None = None
    affiliation: str | None = None
    title: str | None = None
    organizations: list[str] = []
    industries: list[str] = []
    fields: list[str] = []
    keywords: list[str] = []
    bio: str = ""
    publications: list[str] = []
    languages: list[str] = []
    cooperation_modes: list[CooperationMode] = []
    active: bool = True
    updated_at: date | None = None

    @classmethod
    def of(cls, expert: Expert, *, contacts: bool) -> ExpertOut:
        """The public (or full, with ``contacts``) profile of ``expert``."""
        out = cls.model_validate(expert.model_dump())
        if not contacts:
            out.email = out.phone = None
            out.contacts_hidden = True
        return out


class OrganizationOut(BaseModel):
    """An overseas organisation."""

    id: str
    name: str
    name_en: str | None = None
    country: str
    city: str | None = None
    kind: str = "association"
    website: str | None = None
    email: str | None = None
    description: str = ""

    @classmethod
    def of(cls, organization: Organization) -> OrganizationOut:
        """Response of a stored organisation."""
        return cls.model_validate(organization.model_dump())


class SiteOut(BaseModel):
    """A base or station."""

    id: str
    name: str
    name_en: str | None = None
    kind: SiteKind
    parent_id: str | None = None
    province: str | None = None
    city: str | None = None
    host: str | None = None
    contact_emails: list[str] = []
    contact_language: str = "zh"
    active: bool = True


class DemandOut(BaseModel):
    """An enterprise demand."""

    id: str
    station_id: str | None = None
    title: str
    description: str = ""
    enterprise: str | None = None
    industry: str | None = None
    fields: list[str] = []
    keywords: list[str] = []
    cooperation_modes: list[CooperationMode] = []
    region: str | None = None
    budget_wan: float | None = None
    deadline: date | None = None
    status: DemandStatus = DemandStatus.OPEN
    posted_at: date | None = None


class Page(BaseModel, Generic[T]):
    """One page of a listing."""

    items: list[T]
    total: int = Field(description="Number of records matching the query (all pages).")
    limit: int
    offset: int


class WriteResult(BaseModel):
    """Outcome of a create or update."""

    id: str
    created: bool
    indexed: bool = Field(description="Whether the record is already searchable (experts and demands).")


def to_out(record: Record, *, contacts: bool) -> BaseModel:
    """Response model of any stored record."""
    if isinstance(record, Expert):
        return ExpertOut.of(record, contacts=contacts)
    outs: dict[str, type[BaseModel]] = {
        "Organization": OrganizationOut,
        "Site": SiteOut,
        "Demand": DemandOut,
    }
    return outs[type(record).__name__].model_validate(record.model_dump())
