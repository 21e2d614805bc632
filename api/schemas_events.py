"""Request and response bodies of the docking-event routes (apart from the stored rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.domain.text_fields import IdRef

Kind = Literal["expert", "enterprise"]


class SlotIn(BaseModel):
    """One slot of a new event (local time of the event, Asia/Shanghai)."""

    model_config = ConfigDict(extra="forbid")
    id: IdRef
    starts_at: datetime
    ends_at: datetime
    tables: int = Field(default=0, ge=0, le=1000)
    rooms: int = Field(default=0, ge=0, le=1000)


class EventIn(BaseModel):
    """A new event."""

    model_config = ConfigDict(extra="forbid")
    id: IdRef
    name: str = Field(min_length=1, max_length=200)
    slots: list[SlotIn] = Field(min_length=1, max_length=500)
    expert_limit: int | None = Field(default=None, ge=0, le=10_000)
    enterprise_limit: int | None = Field(default=None, ge=0, le=10_000)
    top_n: int = Field(default=10, ge=1, le=100)
    location: str = Field(default="", max_length=200)


class ParticipantIn(BaseModel):
    """An expert (on site or remote) or an enterprise with its demands."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind
    id: IdRef
    name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    remote: bool = False
    limit: int | None = Field(default=None, ge=0, le=10_000)
    priority: float = Field(default=0.0, ge=-100, le=100, allow_inf_nan=False)
    slots: list[IdRef] | None = None
    demands: list[IdRef] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _enterprise_demands(self) -> ParticipantIn:
        if self.kind == "enterprise" and not self.demands:
            raise ValueError("an enterprise needs at least one demand")
        return self


class PairRuleIn(BaseModel):
    """A requested (``require`` / ``bonus``) or ``forbid`` pair."""

    model_config = ConfigDict(extra="forbid")
    expert_id: IdRef
    demand_id: IdRef
    rule: Literal["require", "bonus", "forbid"]
    bonus: float = Field(default=0.0, ge=0, le=100, allow_inf_nan=False)


class ParticipantsIn(BaseModel):
    """Participants and pair rules to add (or update)."""

    model_config = ConfigDict(extra="forbid")
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=5000)
    pair_rules: list[PairRuleIn] = Field(default_factory=list, max_length=5000)


class CancelIn(BaseModel):
    """Cancel a participant (``kind`` + ``id``) or one meeting (``expert_id`` + ``demand_id``)."""

    model_config = ConfigDict(extra="forbid")
    kind: Kind | None = None
    id: IdRef | None = None
    expert_id: IdRef | None = None
    demand_id: IdRef | None = None

    @model_validator(mode="after")
    def _one_target(self) -> CancelIn:
        person = self.kind is not None and self.id is not None
        meeting = self.expert_id is not None and self.demand_id is not None
        if person == meeting:
            raise ValueError("give either kind and id (a participant) or expert_id and demand_id (a meeting)")
        return self


class SlotOut(BaseModel):
    """A slot."""

    id: str
    starts_at: datetime
    ends_at: datetime
    tables: int
    rooms: int


class MeetingOut(BaseModel):
    """A planned meeting."""

    slot_id: str
    venue: str
    number: int
    expert_id: str
    expert_name: str
    demand_id: str
    demand_title: str
    enterprise_id: str
    enterprise_name: str
    weight: float


class ParticipantOut(BaseModel):
    """A participant (no e-mail address)."""

    kind: Kind
    id: str
    name: str
    remote: bool
    limit: int | None
    priority: float
    slots: list[str] | None
    demands: list[str]
    cancelled: bool


class EventOut(BaseModel):
    """An event's settings and its last plan."""

    id: str
    name: str
    location: str
    expert_limit: int | None
    enterprise_limit: int | None
    top_n: int
    planned_at: datetime | None
    plan: dict[str, float | int | str]


class AgendaOut(BaseModel):
    """The agenda as the caller may see it (a station: its enterprises' meetings only)."""

    event: EventOut
    slots: list[SlotOut]
    participants: list[ParticipantOut]
    meetings: list[MeetingOut]


class PlanOut(BaseModel):
    """The result of planning or re-planning."""

    meetings: int
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    variables: int
