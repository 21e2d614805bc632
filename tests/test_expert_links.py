"""Experts' personal links, policy level: signing, tampering, expiry, revocation, use, the secret."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest

from api.access.links import ExpertLinks, LinkVerdict
from matcher.domain.records import Expert
from matcher.store import Store, utc_now


@pytest.fixture()
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'links.db'}")
    store.create_schema()
    store.records.upsert(
        "experts",
        [Expert(id="EX1", name="甲", country="CN"), Expert(id="EX2", name="Bea", country="US")],
    )
    return store


def _flip(token: str, position: int) -> str:
    char = token[position]
    replacement = "A" if char != "A" else "B"
    return token[:position] + replacement + token[position + 1 :]


def test_a_fresh_link_is_accepted_for_its_own_expert_only(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    link, token = links.create("EX1", created_by="test")
    check = links.check(token)
    assert check.accepted and check.link is not None
    assert check.link.expert_id == "EX1" and check.link.link_id == link.link_id
    assert links.token(link) == token  # deterministic: the row and the secret give the token back
    _other, other_token = links.create("EX2", created_by="test")
    assert links.check(other_token).link.expert_id == "EX2"  # type: ignore[union-attr]


def test_every_flipped_character_is_refused(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    _link, token = links.create("EX1", created_by="test")
    for position in range(len(token)):
        tampered = _flip(token, position)
        if tampered == token:
            continue
        assert links.check(tampered).verdict is LinkVerdict.INVALID, position
    for junk in ("", ".", "abc", token + "A", token[:-1], "é" + token, token.replace(".", "")):
        assert links.check(junk).verdict is LinkVerdict.INVALID


def test_swapped_signature_extended_expiry_and_other_expert_are_refused(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    link, token = links.create("EX1", created_by="test")
    _other, other_token = links.create("EX2", created_by="test")
    payload, signature = token.split(".")
    other_payload, other_signature = other_token.split(".")
    assert links.check(f"{payload}.{other_signature}").verdict is LinkVerdict.INVALID
    assert links.check(f"{other_payload}.{signature}").verdict is LinkVerdict.INVALID

    def encode(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()

    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    link_id, expert_id, expires = raw.split(".")
    later = str(int(expires) + 365 * 86400)
    assert (
        links.check(f"{encode(f'{link_id}.{expert_id}.{later}')}.{signature}").verdict is LinkVerdict.INVALID
    )
    assert links.check(f"{encode(f'{link_id}.EX2.{expires}')}.{signature}").verdict is LinkVerdict.INVALID
    # even correctly signed, a payload that differs from the stored row is refused
    forged = ExpertLinks(store, "s3cret")
    moved = forged.token(
        link.__class__(**{**link.__dict__, "expires_at": link.expires_at + timedelta(days=9)})
    )
    assert links.check(moved).verdict is LinkVerdict.INVALID
    assert ExpertLinks(store, "another secret").check(token).verdict is LinkVerdict.INVALID


def test_expired_revoked_and_used_links(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    _old, old_token = links.create("EX1", created_by="test", days=1, now=utc_now() - timedelta(days=2))
    assert links.check(old_token).verdict is LinkVerdict.EXPIRED
    link, token = links.create("EX1", created_by="test", days=1)
    assert links.check(token, now=utc_now() + timedelta(days=1, seconds=1)).verdict is LinkVerdict.EXPIRED
    revoked = links.revoke(link.link_id)
    assert links.check(token).verdict is LinkVerdict.REVOKED
    assert links.revoke(link.link_id).revoked_at == revoked.revoked_at  # idempotent
    profile, profile_token = links.create("EX1", created_by="test", purpose="profile")
    assert links.consume(profile) is True
    assert links.consume(profile) is False  # a second confirmation loses
    assert links.check(profile_token).verdict is LinkVerdict.USED
    respond, respond_token = links.create("EX1", created_by="test")
    assert links.consume(respond) and links.consume(respond)  # multi-visit links are never consumed
    assert links.check(respond_token).accepted


def test_a_deleted_expert_opens_nothing(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    _link, token = links.create("EX2", created_by="test")
    store.records.delete("experts", ["EX2"])
    assert links.check(token).verdict is LinkVerdict.INVALID
    with pytest.raises(ValueError, match="no expert"):
        links.create("EX2", created_by="test")


def test_the_generated_secret_is_kept_in_the_store_and_shared(store: Store, tmp_path: Path) -> None:
    first = ExpertLinks(store)  # no HAIZHI_LINK_SECRET: one is generated into the meta table
    _link, token = first.create("EX1", created_by="test")
    reopened = Store(store.url)  # another worker, or the server after a restart
    assert ExpertLinks(reopened).check(token).accepted
    assert store.get_meta("link_secret")
    assert ExpertLinks(reopened, "configured").check(token).verdict is LinkVerdict.INVALID


def test_bad_purpose_and_lifetime_are_refused(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    with pytest.raises(ValueError, match="purpose"):
        links.create("EX1", created_by="t", purpose="admin")
    with pytest.raises(ValueError, match="1 to 365"):
        links.create("EX1", created_by="t", days=0)


def test_non_canonical_spellings_of_a_token_are_refused(store: Store) -> None:
    links = ExpertLinks(store, "s3cret")
    _link, token = links.create("EX1", created_by="test")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for char in alphabet:  # the last character carries unused bits: only one spelling is valid
        variant = token[:-1] + char
        assert links.check(variant).accepted is (variant == token)
    assert links.check(token + "=").verdict is LinkVerdict.INVALID
