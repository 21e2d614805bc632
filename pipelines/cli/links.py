"""``haizhi links``: create, list and revoke experts' personal links (docs/experts-portal.md).

The link secret is ``HAIZHI_LINK_SECRET`` or the one generated into the store (shared with the server);
the printed address starts with ``HAIZHI_PUBLIC_URL`` (or ``--base-url``). Every command is audited.
"""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING, Annotated

import typer

from api.access import CLI_ACTOR, ApiKey, AuditLog
from api.access.links import PURPOSES, ExpertLinks, LinkSettings
from matcher.domain.records import MatchStatus
from pipelines.cli.ops import DataDir, fail, settings_for

if TYPE_CHECKING:
    from matcher.store import Store

links_app = typer.Typer(help="Experts' personal links: create, list, revoke.", no_args_is_help=True)
CLI_CREATOR = "cli"


def _actor() -> str:
    try:
        return f"{getpass.getuser()} (haizhi links)"
    except (OSError, KeyError):  # no user name in a bare container
        return "haizhi links"


def _cli_key(actor: str) -> ApiKey:
    """The audit identity of a ``haizhi links`` command (no API key acts: key id and role ``cli``)."""
    from matcher.store import utc_now

    return ApiKey(key_id=CLI_ACTOR, name=actor[:128], role=CLI_ACTOR, site_id=None, created_at=utc_now())


def _open(data_dir: DataDir) -> tuple[Store, ExpertLinks, LinkSettings]:
    from matcher.store import Store

    settings = settings_for(data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    link_settings = LinkSettings()
    return store, ExpertLinks.from_settings(store, link_settings), link_settings


@links_app.command("create")
def create(
    expert: Annotated[str, typer.Option(help="Expert id.")],
    days: Annotated[
        int | None, typer.Option(min=1, max=365, help="Lifetime (default HAIZHI_LINK_DAYS).")
    ] = None,
    purpose: Annotated[str, typer.Option(help=f"One of: {', '.join(PURPOSES)}.")] = "respond",
    demand: Annotated[
        list[str] | None, typer.Option(help="A demand to propose (a 'recommended' match); repeatable.")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="Server address (default HAIZHI_PUBLIC_URL).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Create a link and print its address once (send it to the expert)."""
    from matcher.store import RecordNotFound

    store, links, settings = _open(data_dir)
    actor = _actor()
    try:
        with store.transaction():
            for demand_id in demand or []:
                if store.matches.get(demand_id, expert) is None:
                    store.matches.set_status(
                        demand_id, expert, MatchStatus.RECOMMENDED, note="personal link", actor=actor
                    )
            link, token = links.create(
                expert, created_by=CLI_CREATOR, days=days or settings.link_days, purpose=purpose
            )
            detail = {"expert_id": expert, "purpose": purpose, "demand_ids": demand or []}
            AuditLog(store).record(_cli_key(actor), "links.create", "expert_links", link.link_id, detail)
    except (ValueError, RecordNotFound) as error:
        raise fail(str(error)) from None
    base = base_url or settings.public_url or "http://127.0.0.1:8000"
    typer.echo(
        f"{link.link_id}  {link.expert_id}  {link.purpose}  expires {link.expires_at:%Y-%m-%d %H:%M} UTC"
    )
    typer.echo(links.url(base, token))


@links_app.command("list")
def list_(
    expert: Annotated[str | None, typer.Option(help="Only this expert's links.")] = None,
    data_dir: DataDir = None,
) -> None:
    """List links (never their tokens): id, expert, purpose, state, expiry, visits, last seen (UTC)."""
    _store, links, _settings = _open(data_dir)
    for link in links.list(expert_id=expert):
        seen = f"{link.last_seen_at:%Y-%m-%d %H:%M}" if link.last_seen_at else "-"
        typer.echo(
            f"{link.link_id}  {link.expert_id}  {link.purpose}  {link.state().value}  "
            f"expires {link.expires_at:%Y-%m-%d}  visits {link.visits}  last seen {seen}  "
            f"by {link.created_by}"
        )


@links_app.command("revoke")
def revoke(
    link_id: Annotated[str, typer.Argument(help="Link id from `haizhi links list`.")],
    data_dir: DataDir = None,
) -> None:
    """Revoke a link: the expert gets the "withdrawn" page from now on (audited)."""
    store, links, _settings = _open(data_dir)
    actor = _actor()
    try:
        with store.transaction():
            link = links.revoke(link_id)
            detail = {"expert_id": link.expert_id}
            AuditLog(store).record(_cli_key(actor), "links.revoke", "expert_links", link_id, detail)
    except KeyError:
        raise fail(f"no link with id {link_id!r}") from None
    typer.echo(f"revoked {link.link_id} ({link.expert_id}) at {link.revoked_at:%Y-%m-%d %H:%M} UTC")
