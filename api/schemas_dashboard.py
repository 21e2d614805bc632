"""Response schemas of the bases' and administrators' dashboard (`api.routers.dashboard`).

Each panel of the dashboard page has its own model, built from the operations' results
(`matcher.operations`) or the store's ledger and freshness figures — never a storage row passed
through: a new column in a table does not appear in the API until it is added here.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from api.schemas import UtcDateTime


class DashboardScope(BaseModel):
    """Whose figures a panel shows."""

    role: str = Field(description="Role of the calling key: admin, base or analyst.")
    site_id: str | None = Field(None, description="The base of a base key; null for admin and analyst.")
    station_ids: list[str] | None = Field(None, description="Stations in scope; null = every station.")
    can_write: bool = Field(description="Whether the page may offer write controls (admin only here).")


class StationRankOut(BaseModel):
    """One station in the yearly evaluation (动态管理), best first."""

    rank: int
    station_id: str
    name: str
    base_id: str | None
    score: float = Field(description="0–100, weighted components (matcher.operations.station_eval).")
    flagged: bool = Field(description="Below the review threshold or nothing posted: to be reviewed.")
    reasons: list[str] = Field(description="Why it is flagged (Chinese and English in each reason).")
    demands_posted: int
    contacted: int
    signed: int
    docking_rate: float = Field(description="需求对接率: contacted / posted, rounded to 4 places.")
    signing_rate: float = Field(description="签约率: signed / posted, rounded to 4 places.")
    median_days_to_first_contact: float | None
    contract_amount_wan: float


class EvaluationOut(BaseModel):
    """The yearly station ranking in the caller's scope."""

    scope: DashboardScope
    year: int
    period: str
    review_threshold: float
    weights: dict[str, float]
    stations: list[StationRankOut]
    flagged: int = Field(description="How many of the listed stations are flagged.")


class MonthOut(BaseModel):
    """Docking and signing of the demands posted in one calendar month (followed up to now)."""

    month: str = Field(description="YYYY-MM.")
    demands_posted: int
    contacted: int
    signed: int
    docking_rate: float
    signing_rate: float


class MonthlyOut(BaseModel):
    """Docking and signing rates by month of one scope (overall, a base or a station)."""

    scope: DashboardScope
    year: int
    scope_id: str = Field(description="``all`` for the whole plan, else a base or station id.")
    scope_name: str
    months: list[MonthOut]
    scopes: list[str] = Field(description="Scope ids this key may ask for (``scope=`` parameter).")


class GapFieldOut(BaseModel):
    """One catalogue (导向目录) field with its unmet open demands."""

    field: str
    label_zh: str
    label_en: str
    industry: str
    open_demands: int
    weak_demands: int = Field(description="Open demands whose best expert is weak or missing.")
    weak_share: float
    supply_experts: int
    gap_score: float = Field(description="weak demands / (1 + supply experts).")


class GapsOut(BaseModel):
    """Catalogue gaps overall (admin, analyst) or of the caller's base."""

    scope: DashboardScope
    scope_id: str = Field(description="``overall`` or the base id.")
    dense_threshold: float
    k: int
    fields: list[GapFieldOut]


class StaleExpertOut(BaseModel):
    """An expert whose profile is outdated (no contact fields)."""

    expert_id: str
    name: str
    country: str
    updated_at: date | None
    months_since_update: int | None = Field(description="Null when the profile has no update date.")
    matches: int
    open_engagements: int
    signed: int
    last_engagement_at: UtcDateTime | None


class StaleOut(BaseModel):
    """Stale expert profiles, stalest first (matcher.operations.freshness)."""

    scope: DashboardScope
    months: int
    total: int
    unknown_date: int = Field(description="Stale because the profile has no update date.")
    by_age: dict[str, int] = Field(description="Stale profiles per age band (months since update).")
    items: list[StaleExpertOut]


class NightlyRunOut(BaseModel):
    """One run of the nightly batch."""

    run_id: str
    run_date: date
    started_at: UtcDateTime
    finished_at: UtcDateTime | None
    status: str = Field(description="running, finished, partial or failed.")
    dry_run: bool
    base_filter: str | None
    error: str
    demands: int | None = Field(None, description="Open demands the run matched (admin and analyst only).")
    smtp_check: str | None = Field(None, description="ok, failed or skipped; null for runs before checks.")


class DeliveryOut(BaseModel):
    """What one base was sent (or not) on one run date: the latest attempt."""

    run_date: date
    base_id: str
    run_id: str
    status: str = Field(description="sending, sent, failed, nothing_new or no_contacts.")
    recipients: int
    refused: int = Field(description="Recipients the SMTP server refused.")
    pairs: int = Field(description="(demand, expert) pairs in the message.")
    demands: int
    experts: int
    attempts: int
    error: str
    updated_at: UtcDateTime


class NightlyOut(BaseModel):
    """The nightly ledger: latest runs, the deliveries of the latest run date, bases still failing."""

    scope: DashboardScope
    runs: list[NightlyRunOut]
    deliveries: list[DeliveryOut] = Field(description="Deliveries of the latest run date, in scope.")
    failed_bases: list[DeliveryOut] = Field(
        description="Bases whose latest delivery failed or was left sending (retried by the next run)."
    )
    pairs_sent: int = Field(description="Pairs sent on the latest run date, in scope.")


class CollectionFreshnessOut(BaseModel):
    """How one index compares with the database."""

    kind: str
    stored: int
    indexed: int
    not_indexed: int
    changed: int
    deleted: int
    behind: int
    version: str | None = Field(None, description="The saved index version in use, if any.")


class IndexFreshnessOut(BaseModel):
    """Records not yet (or no longer correctly) indexed, as ``GET /v1/health`` reports them."""

    scope: DashboardScope
    behind: bool
    notice: str | None
    collections: list[CollectionFreshnessOut]
