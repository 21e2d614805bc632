"""Nightly mails carry each expert's personal link when HAIZHI_PUBLIC_URL is set (real SMTP server)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_nightly import RUN_DATE, RecordingHandler, data_dir, make_matcher, smtp

from api.access.links import ExpertLinks
from embeddings.encoders.base import Encoder
from matcher.domain.records import MatchStatus
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.run import run_nightly

__all__ = ["data_dir", "smtp"]  # fixtures shared with tests/test_nightly.py
LINK = re.compile(r"https://match\.example\.cn/x/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("HAIZHI_PUBLIC_URL", "https://match.example.cn")
    monkeypatch.setenv("HAIZHI_LINK_SECRET", "nightly-secret")
    yield


def test_each_expert_row_carries_a_working_link_for_that_expert(
    public_url: None, smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    matcher = make_matcher(data_dir, port, use_encoder)
    report = run_nightly(matcher, run_date=RUN_DATE)
    assert report.status == "finished" and handler.messages
    links = ExpertLinks(matcher.store, "nightly-secret")
    for received in handler.messages:
        message = received.message
        html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
        text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        delivery = NightlyLedger(matcher.store).delivery(RUN_DATE, received.base)
        assert delivery is not None
        experts = {p.expert_id for p in delivery.pairs}
        in_html = dict(
            re.findall(r'<a href="https://match\.example\.cn/x/([^"]+)" data-expert-link="([^"]+)"', html)
        )
        assert set(in_html.values()) == experts and "专家自助链接" in html
        assert set(LINK.findall(text)) == set(in_html)
        for token, expert_id in in_html.items():
            check = links.check(token)
            assert check.accepted and check.link is not None and check.link.expert_id == expert_id
            assert check.link.purpose == "respond" and check.link.created_by.startswith("nightly ")
            # the link opens the demands this mail proposed: they are in the expert's lifecycle
            for pair in delivery.pairs:
                if pair.expert_id == expert_id:
                    match = matcher.store.matches.get(pair.demand_id, expert_id)
                    assert match is not None and match.status is MatchStatus.RECOMMENDED
    created = len(links.list())
    assert created == sum(
        len({p.expert_id for p in d.pairs}) for d in NightlyLedger(matcher.store).deliveries()
    )
    again = run_nightly(matcher, run_date=RUN_DATE)  # every base already sent: no mail, no new links
    assert not [b for b in again.bases if b.status == "sent"] and len(links.list()) == created


def test_without_a_public_url_mails_have_no_links(
    monkeypatch: pytest.MonkeyPatch, smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    monkeypatch.delenv("HAIZHI_PUBLIC_URL", raising=False)
    handler, port = smtp
    matcher = make_matcher(data_dir, port, use_encoder)
    assert run_nightly(matcher, run_date=RUN_DATE).status == "finished"
    assert handler.messages
    for received in handler.messages:
        assert "/x/" not in received.message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert ExpertLinks(matcher.store, "s").list() == []
