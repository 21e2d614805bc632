"""The expert page: ``GET /x/{token}`` and its JSON API, scoped by the expert's personal link.

No API key: the token (`api.access.links`) names one expert, and every route reads and writes only
that expert's own profile and the demands in that expert's match lifecycle (recommended to them by a
station, an outreach link or a nightly run). A demand is shown by its public part only.

- ``GET /x/{token}`` — the page (server-rendered, in the expert's language; ``?lang=zh|zh-Hant|en``);
  a used, expired, revoked or invalid link gets a page saying so, in the expert's language.
- ``GET /x/{token}/data`` — the page's content as JSON.
- ``POST /x/{token}/answers`` — 感兴趣 interested / 暂不考虑 not now / 需要更多信息 more information for one
  demand: moves the match (recommended → contacted, or → declined), appends an answer row, audits.
- ``GET|PUT /x/{token}/profile`` — the own profile; a PUT confirms or edits it, stores and re-indexes
  the expert as the admin PATCH does and sets its update date (freshness) to today.

Requests are limited per link (``HAIZHI_LINK_RATE_LIMIT`` per window) and invalid tokens per client
address (``HAIZHI_LINK_FAILURE_LIMIT``), with `api.ratelimit.FailedAuthLimiter`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from fastapi import APIRouter, Body, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from api.access import AuditLog
from api.access.links import ExpertLink, ExpertLinks, LinkCheck, LinkVerdict
from api.auth import Principal
from api.errors import ApiError
from api.portal_language import (
    browser_language,
    expert_language,
    mode_codes,
    requested_language,
    strings_for,
    to_traditional,
)
from api.ratelimit import FailedAuthLimiter
from api.schemas_links import AnswerIn, AnswerOut, PortalDataOut, PortalDemandOut, ProfileIn, ProfileOut
from api.state import AppState, get_state
from api.writes import patched, save_records
from matcher.domain.records import Demand, Expert, MatchStatus
from matcher.operations.flow import ProjectFlow
from matcher.retrieval.corpus import OPEN_DEMAND_STATUSES

router = APIRouter(prefix="/x", tags=["expert page"], include_in_schema=True)
TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
MAX_DEMANDS = 50
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",  # the token is in the address: never hand it to other sites
    "X-Robots-Tag": "noindex, nofollow",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
}
S = MatchStatus
SETTLED = frozenset({S.SIGNED, S.DECLINED})
ANSWER_STEPS: dict[str, dict[MatchStatus, tuple[MatchStatus, ...]]] = {
    # answer → current status → the lifecycle steps it takes (empty: stays, note kept)
    "interested": {S.RECOMMENDED: (S.CONTACTED,), S.NO_RESPONSE: (S.CONTACTED,)},
    "more_info": {S.RECOMMENDED: (S.CONTACTED,), S.NO_RESPONSE: (S.CONTACTED,)},
    "not_now": {
        S.RECOMMENDED: (S.DECLINED,),
        S.CONTACTED: (S.DECLINED,),
        S.NEGOTIATING: (S.DECLINED,),
        S.NO_RESPONSE: (S.CONTACTED, S.DECLINED),
    },
}
"""How an answer moves the match lifecycle (`matcher.store.ALLOWED_TRANSITIONS`); signed and declined
matches are settled and take no answer."""
ANSWER_NOTES = {
    "interested": "感兴趣 interested",
    "not_now": "暂不考虑 not now",
    "more_info": "需要更多信息 more information",
}


# ---- link checks and limits ----------------------------------------------------------------------
@dataclass
class PortalContext:
    """Per-app objects of the expert page: the link policy and the two limiters (built on first use)."""

    links: ExpertLinks
    per_link: FailedAuthLimiter
    per_address: FailedAuthLimiter


_context_lock = threading.Lock()


def portal_context(request: Request, state: AppState = Depends(get_state)) -> PortalContext:
    """Dependency: the app's `PortalContext` (the link secret is read or generated once per process)."""
    found = getattr(request.app.state, "haizhi_portal", None)
    if found is None:
        with _context_lock:
            found = getattr(request.app.state, "haizhi_portal", None)
            if found is None:
                settings = state.settings.links
                window = settings.link_rate_window_seconds
                found = PortalContext(
                    links=ExpertLinks.from_settings(state.store, settings),
                    per_link=FailedAuthLimiter(settings.link_rate_limit, window, 100_000),
                    per_address=FailedAuthLimiter(settings.link_failure_limit, window, 10_000),
                )
                request.app.state.haizhi_portal = found
    return cast(PortalContext, found)


@dataclass
class Visit:
    """A request through a link: the verdict, the link and expert (unless invalid), the language."""

    check: LinkCheck
    expert: Expert | None
    language: str
    retry_after: int | None = None

    @property
    def link(self) -> ExpertLink:
        """The accepted link."""
        assert self.check.link is not None
        return self.check.link

    @property
    def usable(self) -> bool:
        """Accepted and not rate limited."""
        return self.check.accepted and self.retry_after is None


def visit(
    request: Request,
    token: str,
    state: AppState = Depends(get_state),
    context: PortalContext = Depends(portal_context),
) -> Visit:
    """Dependency: check the token and the limits (never raises: callers render the refusal)."""
    address = request.client.host if request.client else "unknown"
    locked = context.per_address.retry_after(address)
    if locked is not None:
        return Visit(LinkCheck(LinkVerdict.INVALID), None, requested_language(request) or "zh", locked)
    check = context.links.check(token)
    if check.link is None:
        context.per_address.record_failure(address)
        return Visit(check, None, requested_language(request) or browser_language(request))
    expert = state.store.records.get("experts", check.link.expert_id)
    assert isinstance(expert, Expert)  # `check` refuses links of deleted experts
    language = requested_language(request) or expert_language(expert)
    limited = context.per_link.retry_after(check.link.link_id)
    if limited is None:
        context.per_link.record_failure(check.link.link_id)  # counts every request of the link
    return Visit(check, expert, language, limited)


def _date_text(visit_: Visit) -> str:
    link = visit_.check.link
    if link is None:
        return ""
    moment = {LinkVerdict.USED: link.used_at, LinkVerdict.REVOKED: link.revoked_at}.get(
        visit_.check.verdict, link.expires_at
    )
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def refusal(visit_: Visit) -> tuple[int, str, str, str]:
    """(HTTP status, error code, title, message) of a request that may not go on, in its language."""
    text = strings_for(visit_.language, visit_.expert.country if visit_.expert else None)
    if visit_.retry_after is not None:
        seconds = str(visit_.retry_after)
        return 429, "too_many_requests", text["too_many_title"], text["too_many"].format(seconds=seconds)
    verdict = visit_.check.verdict.value
    status = 404 if visit_.check.verdict is LinkVerdict.INVALID else 410
    message = text[f"closed_{verdict}"].format(date=_date_text(visit_))
    return status, f"link_{verdict}", text[f"closed_{verdict}_title"], message


def require_usable(visit_: Visit) -> None:
    """Raise the refusal (JSON for the page's API) unless the link may be used."""
    if not visit_.usable:
        status, code, _title, message = refusal(visit_)
        headers = {"Retry-After": str(visit_.retry_after)} if visit_.retry_after else {}
        raise ApiError(status, code, message, headers={**SECURITY_HEADERS, **headers})


# ---- views ---------------------------------------------------------------------------------------
def profile_out(expert: Expert) -> ProfileOut:
    """The expert's own profile without contacts."""
    return ProfileOut(
        id=expert.id,
        name=expert.name,
        name_en=expert.name_en,
        country=expert.country,
        city=expert.city,
        affiliation=expert.affiliation,
        title=expert.title,
        keywords=list(expert.keywords),
        publications=list(expert.publications),
        cooperation_modes=list(expert.cooperation_modes),
        available=expert.active,
        updated_at=expert.updated_at,
    )


def _last_answers(state: AppState, expert_id: str) -> dict[str, str]:
    return {row["demand_id"]: row["answer"] for row in state.store.links.answer_rows(expert_id)}


def portal_demands(state: AppState, expert: Expert, language: str) -> list[PortalDemandOut]:
    """The open demands in the expert's match lifecycle, best score first: public fields only."""
    found = state.store.matches.list(expert_id=expert.id)
    demands = {
        d.id: d
        for d in state.store.records.get_many("demands", {m.demand_id for m in found})
        if isinstance(d, Demand) and d.status in OPEN_DEMAND_STATUSES
    }
    answers = _last_answers(state, expert.id)
    found = sorted((m for m in found if m.demand_id in demands), key=lambda m: (-(m.score or 0), m.demand_id))

    def text(value: str) -> str:
        return to_traditional(value, expert.country) if language == "zh-Hant" else value

    out = []
    for match in found[:MAX_DEMANDS]:
        demand = demands[match.demand_id]
        answer = answers.get(demand.id)
        out.append(
            PortalDemandOut(
                id=demand.id,
                title=text(demand.title),
                description=text(demand.description),
                industry=demand.industry,
                fields=list(demand.fields),
                keywords=[text(k) for k in demand.keywords],
                cooperation_modes=list(demand.cooperation_modes),
                region=demand.region,
                deadline=demand.deadline,
                status=match.status,
                answer=cast(Any, answer),
                answerable=match.status not in SETTLED,
            )
        )
    return out


def portal_data(state: AppState, visit_: Visit) -> PortalDataOut:
    """The page's content for an accepted link."""
    assert visit_.expert is not None
    link = visit_.link
    demands = portal_demands(state, visit_.expert, visit_.language) if link.purpose == "respond" else []
    return PortalDataOut(
        language=visit_.language,
        purpose=link.purpose,
        expires_at=link.expires_at,
        profile=profile_out(visit_.expert),
        demands=demands,
    )


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(enabled_extensions=("html",)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _html(status: int, context: dict[str, Any], headers: dict[str, str] | None = None) -> HTMLResponse:
    html = _templates().get_template("expert.html").render(context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def _language_links() -> list[dict[str, Any]]:
    """The language switch: relative links (``?lang=…``), so the page never writes the token out."""
    labels = {"zh": "简体中文", "zh-Hant": "繁體中文", "en": "English"}
    return [{"code": code, "label": label, "href": f"?lang={code}"} for code, label in labels.items()]


@router.get("/{token}", response_class=HTMLResponse, summary="The expert's page (personal link)")
def page(
    request: Request, token: str, state: AppState = Depends(get_state), v: Visit = Depends(visit)
) -> Response:
    """The expert page, or a page saying why the link cannot be used (no JSON, in the expert's language)."""
    country = v.expert.country if v.expert else None
    text = strings_for(v.language, country)
    base = {"t": text, "lang": v.language, "languages": _language_links()}
    if not v.usable:
        status, code, title, message = refusal(v)
        headers = {"Retry-After": str(v.retry_after)} if v.retry_after else None
        return _html(status, {**base, "closed": {"code": code, "title": title, "message": message}}, headers)
    context_links = cast(PortalContext, request.app.state.haizhi_portal).links
    context_links.seen(v.link)
    data = portal_data(state, v)
    mode_labels = {mode: text[f"mode_{mode}"] for mode in mode_codes()}
    expires = v.link.expires_at.strftime("%Y-%m-%d")
    return _html(
        200,
        {
            **base,
            "closed": None,
            "data": data,
            "modes": mode_labels,
            "expires": expires,
            "strings_json": json.dumps(text, ensure_ascii=False).replace("</", "<\\/"),
        },
    )


@router.get("/{token}/data", response_model=PortalDataOut, summary="The expert page's content")
def data(state: AppState = Depends(get_state), v: Visit = Depends(visit)) -> JSONResponse:
    """Profile and recommended demands of the link's expert (public demand fields only)."""
    require_usable(v)
    return JSONResponse(portal_data(state, v).model_dump(mode="json"), headers=SECURITY_HEADERS)


@router.get("/{token}/profile", response_model=ProfileOut, summary="The expert's own profile")
def get_profile(v: Visit = Depends(visit)) -> JSONResponse:
    """The link's expert's profile (no email or phone)."""
    require_usable(v)
    assert v.expert is not None
    return JSONResponse(profile_out(v.expert).model_dump(mode="json"), headers=SECURITY_HEADERS)


@router.post("/{token}/answers", response_model=AnswerOut, summary="Answer one recommended demand")
def answer(body: AnswerIn, state: AppState = Depends(get_state), v: Visit = Depends(visit)) -> JSONResponse:
    """Record 感兴趣 / 暂不考虑 / 需要更多信息 for a demand recommended to the link's expert."""
    require_usable(v)
    link = v.link
    text = strings_for(v.language, v.expert.country if v.expert else None)
    if link.purpose != "respond":
        raise ApiError(403, "forbidden", "this link confirms the profile only", headers=SECURITY_HEADERS)
    not_yours = ApiError(404, "not_found", f"demand {body.demand_id!r} is not among the needs shown to you")
    demand = state.store.records.get("demands", body.demand_id)
    if not isinstance(demand, Demand) or demand.status not in OPEN_DEMAND_STATUSES:
        raise not_yours
    note = f"专家回复 expert answered: {ANSWER_NOTES[body.answer]}" + (f" — {body.note}" if body.note else "")
    with state.lock.write(), state.store.transaction():
        match = state.store.matches.get(body.demand_id, link.expert_id)
        if match is None:
            raise not_yours
        if match.status in SETTLED:
            raise ApiError(409, "settled", text["settled"], headers=SECURITY_HEADERS)
        before = match.status
        steps = ANSWER_STEPS[body.answer].get(match.status, ())
        for step in steps or (match.status,):  # no step: same status, the note is kept
            match = state.store.matches.set_status(
                body.demand_id, link.expert_id, step, note=note, actor=link.actor
            )
        state.store.links.insert_answer(
            {
                "link_id": link.link_id,
                "expert_id": link.expert_id,
                "demand_id": body.demand_id,
                "answer": body.answer,
                "note": body.note,
                "at": match.updated_at,
            }
        )
        detail = {"answer": body.answer, "from": before.value, "to": match.status.value, "link": link.link_id}
        AuditLog(state.store).record(
            link.audit_key, "expert_portal.answer", "matches", f"{body.demand_id}/{link.expert_id}", detail
        )
        ProjectFlow(state.store, state.matcher).sync(body.demand_id, actor=link.actor)
    out = AnswerOut(demand_id=body.demand_id, answer=body.answer, status=match.status)
    return JSONResponse(out.model_dump(mode="json"), headers=SECURITY_HEADERS)


@router.put("/{token}/profile", response_model=ProfileOut, summary="Confirm or edit the own profile")
def put_profile(
    request: Request,
    body: ProfileIn | None = Body(None, description="Fields to change; empty confirms the profile."),
    state: AppState = Depends(get_state),
    v: Visit = Depends(visit),
) -> JSONResponse:
    """Store the changes (validated like the admin PATCH), re-index the expert, set its update date."""
    require_usable(v)
    link = v.link
    sent = (body or ProfileIn()).model_dump(exclude_unset=True, exclude_none=True)
    changes: dict[str, Any] = {("active" if k == "available" else k): v_ for k, v_ in sent.items()}
    changes["updated_at"] = date.today()
    principal = Principal(link.audit_key, frozenset())

    def apply() -> Expert:
        current = state.store.records.get("experts", link.expert_id)
        assert isinstance(current, Expert)
        updated = patched("experts", current, changes)
        assert isinstance(updated, Expert)
        return updated

    updated = apply()  # invalid edits are refused before a single-use link is consumed
    context = cast(PortalContext, request.app.state.haizhi_portal)
    if not context.links.consume(link):  # a second confirmation raced this one and won
        consumed = context.links.get(link.link_id)
        require_usable(Visit(LinkCheck(LinkVerdict.USED, consumed), v.expert, v.language))
    saved: list[Expert] = [updated]

    def rebase() -> list[Expert]:  # under the write lock: the changes on the latest stored version
        saved[0] = apply()
        return saved

    detail = {"fields": sorted(changes), "link": link.link_id}
    save_records(
        state, principal, "experts", [updated], action="expert_portal.profile", detail=detail, rebase=rebase
    )
    return JSONResponse(profile_out(saved[0]).model_dump(mode="json"), headers=SECURITY_HEADERS)
