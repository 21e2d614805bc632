"""Store tests, run against SQLite always and PostgreSQL when HAIZHI_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from conftest import postgres_url
from sqlalchemy import inspect

from matcher.domain.records import Demand, Expert, MatchStatus, Organization, Site
from matcher.store import (
    CURRENT_SCHEMA_VERSION,
    InvalidTransition,
    RecordNotFound,
    SchemaVersionError,
    Store,
    UpsertResult,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return postgres_url("haizhi_test")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    opened.drop_schema()
    opened.create_schema()
    yield opened
    opened.drop_schema()
    opened.close()


def expert(id_: str, **changes: object) -> Expert:
    data: dict[str, object] = {
        "id": id_,
        "name": "张伟",
        "name_en": "Wei Zhang",
        "email": f"{id_}@example.edu",
        "country": "美国",
        "affiliation": "Stanford University",
        "fields": ["new_energy.battery", "materials.nano"],
        "keywords": "锂电池;固态电解质",
        "cooperation_modes": ["柔性", "project"],
        "updated_at": "2024-05-01",
    }
    data.update(changes)
    return Expert.model_validate(data)


def demand(id_: str, **changes: object) -> Demand:
    data: dict[str, object] = {"id": id_, "title": "固态电池电解质研发", "industry": "new_energy"}
    data.update(changes)
    return Demand.model_validate(data)


class TestStore:
    """One suite for every backend (see the ``db_url`` fixture)."""

    def test_create_schema_is_idempotent_and_versioned(self, store: Store) -> None:
        store.create_schema()
        store.create_schema()
        assert store.schema_version() == CURRENT_SCHEMA_VERSION
        assert store.get_meta("schema_version") == str(CURRENT_SCHEMA_VERSION)

    def test_an_older_database_gains_the_row_update_index(self, store: Store) -> None:
        with store.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_experts_row_updated_at")
        store.create_schema()
        store.create_schema()
        names = {index["name"] for index in inspect(store.engine).get_indexes("experts")}
        assert "ix_experts_row_updated_at" in names

    def test_changed_since_a_stamp_lists_inserts_and_updates_only(self, store: Store) -> None:
        store.records.upsert("experts", [expert("E1"), expert("E2")])
        stamp = store.freshness.change_stamp("experts")
        store.records.upsert("experts", [expert("E2", bio="新的简介"), expert("E3")])
        changed = store.freshness.changed_since("experts", stamp.max_pk, stamp.updated_at)
        assert changed.stored == 3 and set(changed.content_hashes) == {"E2", "E3"}
        assert changed.content_hashes == {
            i: h for i, h in store.records.content_hashes("experts").items() if i != "E1"
        }

    def test_newer_schema_version_is_refused(self, store: Store, db_url: str) -> None:
        store.set_meta("schema_version", str(CURRENT_SCHEMA_VERSION + 1))
        with pytest.raises(SchemaVersionError, match="upgrade haizhi-match"):
            Store(db_url)
        with pytest.raises(SchemaVersionError):
            store.create_schema()

    def test_upsert_counts_inserted_updated_unchanged(self, store: Store) -> None:
        first = store.records.upsert("experts", [expert("e1"), expert("e2")])
        assert first == UpsertResult(inserted=2, updated=0, unchanged=0)
        again = store.records.upsert("experts", [expert("e1"), expert("e2")])
        assert again == UpsertResult(inserted=0, updated=0, unchanged=2)
        mixed = store.records.upsert("experts", [expert("e1", bio="新简介"), expert("e2"), expert("e3")])
        assert mixed == UpsertResult(inserted=1, updated=1, unchanged=1)
        assert store.records.count("experts") == 3
        stored = store.records.get("experts", "e1")
        assert isinstance(stored, Expert) and stored.bio == "新简介"

    def test_records_round_trip_every_field(self, store: Store) -> None:
        full = expert(
            "e1",
            phone="+1 650 000",
            orcid="0000-0002-1825-0097",
            city="Palo Alto",
            title="Professor",
            organizations=["旅美中国科协"],
            industries=["new_energy"],
            bio="Works on batteries.",
            publications=["Paper A", "Paper B"],
            languages=["EN", "zh"],
            active=False,
        )
        need = demand(
            "d1",
            station_id="s1",
            description="需要固态电解质",
            enterprise="某新能源公司",
            fields=["new_energy.battery"],
            keywords=["电解质"],
            cooperation_modes=["consulting"],
            region="浙江",
            budget_wan=50.5,
            deadline="2025-12-31",
            status="matching",
            posted_at=date(2025, 1, 2),
        )
        site = Site(
            id="s1", name="杭州海智基地", kind="base", province="浙江", contact_emails="a@x.cn;b@x.cn"
        )
        org = Organization(id="o1", name="旅美中国科协", country="US", description="association")
        for kind, record in (("experts", full), ("demands", need), ("sites", site), ("organizations", org)):
            store.records.upsert(kind, [record])
            assert store.records.get(kind, record.id) == record
        assert store.records.get("experts", "missing") is None

    def test_pk_is_stable_and_never_reused(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1"), expert("e2")])
        pks = store.records.pk_of("experts", ["e1", "e2", "nope"])
        assert set(pks) == {"e1", "e2"}
        store.records.upsert("experts", [expert("e1", bio="changed")])
        assert store.records.pk_of("experts", ["e1"]) == {"e1": pks["e1"]}
        assert store.records.delete("experts", ["e2", "nope"]) == 1
        store.records.upsert("experts", [expert("e2")])
        assert store.records.pk_of("experts", ["e2"])["e2"] > max(pks.values())

    def test_get_many_keeps_order_and_skips_missing(self, store: Store) -> None:
        store.records.upsert("experts", [expert(f"e{i}") for i in range(5)])
        found = store.records.get_many("experts", ["e3", "zz", "e0", "e4"])
        assert [r.id for r in found] == ["e3", "e0", "e4"]

    def test_lookups_by_id_reuse_parsed_rows_only_while_the_row_is_unchanged(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1"), expert("e2")])
        first = store.records.get_many("experts", ["e1", "e2"])
        again = store.records.get_many("experts", ["e1", "e2"])
        assert again == first and again[0] is not first[0]  # equal copies, never the memo itself
        again[0].name = "改过的名字"  # a caller changing its copy does not change the next read
        assert store.records.get("experts", "e1") == first[0]
        store.records.upsert("experts", [expert("e1", affiliation="MIT")])
        assert store.records.get("experts", "e1").affiliation == "MIT"  # type: ignore[union-attr]
        with store.engine.begin() as conn:  # a hand edit that leaves the content hash alone is seen too
            conn.exec_driver_sql("UPDATE experts SET affiliation = 'ETH Zürich' WHERE id = 'e2'")
        assert [r.affiliation for r in store.records.get_many("experts", ["e2", "e1"])] == [  # type: ignore[union-attr]
            "ETH Zürich",
            "MIT",
        ]

    def test_list_count_rows_and_pk_lookups(self, store: Store) -> None:
        store.records.upsert("experts", [expert(f"e{i}") for i in (3, 1, 2)])
        assert [r.id for r in store.records.list("experts")] == ["e3", "e1", "e2"]
        assert [r.id for r in store.records.list("experts", order_by_pk=False)] == ["e1", "e2", "e3"]
        assert [r.id for r in store.records.list("experts", limit=1, offset=1)] == ["e1"]
        rows = store.records.rows("experts")
        assert [pk for pk, _ in rows] == sorted(pk for pk, _ in rows)
        by_id = {record.id: pk for pk, record in rows}
        assert store.records.pk_of("experts", ["e2", "e3"]) == {"e2": by_id["e2"], "e3": by_id["e3"]}
        assert store.records.ids_for_pks("experts", [by_id["e2"], 10_000, by_id["e3"]]) == ["e2", "e3"]
        assert store.records.ids_by_pk("experts", [by_id["e1"]]) == {by_id["e1"]: "e1"}
        assert store.records.count("demands") == 0

    def test_content_hashes_follow_changes(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1"), expert("e2")])
        before = store.records.content_hashes("experts")
        store.records.upsert("experts", [expert("e1", keywords=["其他"])])
        after = store.records.content_hashes("experts")
        assert before["e2"] == after["e2"] and before["e1"] != after["e1"]

    def test_upsert_rejects_bad_input(self, store: Store) -> None:
        with pytest.raises(ValueError, match="appears twice"):
            store.records.upsert("experts", [expert("e1"), expert("e1")])
        with pytest.raises(TypeError, match="Demand"):
            store.records.upsert("experts", [demand("d1")])
        with pytest.raises(ValueError, match="unknown record kind"):
            store.records.upsert("people", [])
        assert store.records.count("experts") == 0

    def test_transaction_rolls_back_everything(self, store: Store) -> None:
        with pytest.raises(RuntimeError), store.transaction():
            store.records.upsert("experts", [expert("e1")])
            store.set_meta("k", "v")
            raise RuntimeError("boom")
        assert store.records.count("experts") == 0
        assert store.get_meta("k") is None

    def test_meta_set_and_replace(self, store: Store) -> None:
        assert store.get_meta("index_built_at") is None
        store.set_meta("index_built_at", "2025-01-01")
        store.set_meta("index_built_at", "2025-02-01")
        assert store.get_meta("index_built_at") == "2025-02-01"

    def test_match_lifecycle_and_history(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1")])
        store.records.upsert("demands", [demand("d1")])
        created = store.matches.set_status("d1", "e1", MatchStatus.RECOMMENDED, score=0.8)
        assert created.status is MatchStatus.RECOMMENDED and created.score == 0.8
        store.matches.set_status("d1", "e1", "contacted", note="emailed", actor="alice")
        store.matches.set_status("d1", "e1", MatchStatus.NEGOTIATING, actor="alice")
        final = store.matches.set_status("d1", "e1", MatchStatus.SIGNED, actor="bob")
        assert final.status is MatchStatus.SIGNED and final.score == 0.8 and final.note == "emailed"
        assert store.matches.get("d1", "e1") == final
        history = store.matches.history("d1", "e1")
        assert [(h.from_status, h.to_status) for h in history] == [
            (None, MatchStatus.RECOMMENDED),
            (MatchStatus.RECOMMENDED, MatchStatus.CONTACTED),
            (MatchStatus.CONTACTED, MatchStatus.NEGOTIATING),
            (MatchStatus.NEGOTIATING, MatchStatus.SIGNED),
        ]
        assert [h.actor for h in history] == ["system", "alice", "alice", "bob"]
        assert history[1].note == "emailed"

    def test_invalid_transitions_are_refused(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1"), expert("e2")])
        store.records.upsert("demands", [demand("d1")])
        with pytest.raises(InvalidTransition, match="starts as 'recommended'"):
            store.matches.set_status("d1", "e1", MatchStatus.NEGOTIATING)
        store.matches.set_status("d1", "e1", MatchStatus.RECOMMENDED)
        with pytest.raises(InvalidTransition, match="'recommended' to 'signed'"):
            store.matches.set_status("d1", "e1", MatchStatus.SIGNED)
        store.matches.set_status("d1", "e1", MatchStatus.DECLINED)
        with pytest.raises(InvalidTransition, match="final"):
            store.matches.set_status("d1", "e1", MatchStatus.CONTACTED)
        assert store.matches.get("d1", "e1").status is MatchStatus.DECLINED  # type: ignore[union-attr]
        assert len(store.matches.history("d1", "e1")) == 2
        # Imports of history from elsewhere may create a match at any status.
        imported = store.matches.set_status("d1", "e2", MatchStatus.SIGNED, force=True, actor="import")
        assert imported.status is MatchStatus.SIGNED

    def test_no_response_can_be_contacted_again(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1")])
        store.records.upsert("demands", [demand("d1")])
        store.matches.set_status("d1", "e1", "recommended")
        store.matches.set_status("d1", "e1", "no_response")
        assert store.matches.set_status("d1", "e1", "contacted").status is MatchStatus.CONTACTED

    def test_same_status_updates_score_without_event(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1")])
        store.records.upsert("demands", [demand("d1")])
        store.matches.set_status("d1", "e1", "recommended", score=0.5)
        again = store.matches.set_status("d1", "e1", "recommended", score=0.9)
        assert again.score == 0.9
        assert len(store.matches.history("d1", "e1")) == 1

    def test_match_needs_stored_demand_and_expert(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1")])
        with pytest.raises(RecordNotFound, match="no demand with id 'd9'"):
            store.matches.set_status("d9", "e1", "recommended")
        assert store.matches.list() == []

    def test_matches_filters_and_open_engagements(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1"), expert("e2"), expert("e3")])
        store.records.upsert("demands", [demand("d1"), demand("d2"), demand("d3")])
        for demand_id in ("d1", "d2", "d3"):
            store.matches.set_status(demand_id, "e1", "recommended")
            store.matches.set_status(demand_id, "e1", "contacted")
        store.matches.set_status("d2", "e1", "negotiating")
        store.matches.set_status("d3", "e1", "declined")
        store.matches.set_status("d1", "e2", "recommended")
        store.matches.set_status("d1", "e3", "recommended")
        store.matches.set_status("d1", "e3", "contacted")
        assert store.matches.open_engagements() == {"e1": 2, "e3": 1}
        assert {m.expert_id for m in store.matches.list(demand_id="d1")} == {"e1", "e2", "e3"}
        assert [m.demand_id for m in store.matches.list(expert_id="e1")] == ["d1", "d2", "d3"]
        declined = store.matches.list(statuses=[MatchStatus.DECLINED])
        assert [(m.demand_id, m.expert_id) for m in declined] == [("d3", "e1")]

    def test_deleting_an_expert_drops_matches_but_keeps_history(self, store: Store) -> None:
        store.records.upsert("experts", [expert("e1")])
        store.records.upsert("demands", [demand("d1")])
        store.matches.set_status("d1", "e1", "recommended")
        store.records.delete("experts", ["e1"])
        assert store.matches.list() == []
        assert len(store.matches.history("d1", "e1")) == 1

    def test_concurrent_writers_do_not_fail(self, store: Store, db_url: str) -> None:
        store.records.upsert("demands", [demand("d1")])
        other = Store(db_url)  # a second store on the same database, like a second process
        errors: list[BaseException] = []

        def work(target: Store, worker: int) -> None:
            try:
                for i in range(15):
                    target.records.upsert("experts", [expert(f"w{worker}-{i}")])
                    target.matches.set_status("d1", f"w{worker}-{i}", "recommended", score=float(i))
            except BaseException as exc:  # collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(store if n % 2 else other, n)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        other.close()
        assert errors == []
        assert store.records.count("experts") == 60 and len(store.matches.list(demand_id="d1")) == 60
