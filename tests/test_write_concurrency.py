"""Writes never hold readers up: a large write is analysed and embedded before it takes the write lock.

How the ordering tests tell the designs apart, without timing thresholds: one reader thread sends
recommendations one after another while a large write runs, and counts the reads answered before the
write returns. Were the analysis or the encoding done under the write lock, reads could be answered
only before the write asks for the lock (while its request is parsed: milliseconds) or in the instant
between its release and its response, so the read already in flight and at most one more would count.
With that work done before the lock, reads go on for all of it (seconds: dozens of reads).
`MIN_READS_DURING_WRITE` sits between the two. The expert write is nearly all encoding (24 Chinese
publications of 1,000 characters: ~3 s of USE, ~0.15 s of analysis), so it fails if only the encoding
went back under the lock; the demand write is every text field at its limit (mostly analysis).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import TEXT_LIMITS, Demand
from matcher.retrieval.collection import record_hash
from matcher.service import Matcher

NEED = {"text": "需要固态电池电解质界面稳定性方面的专家", "k": 10}
MIN_READS_DURING_WRITE = 5
_PHRASES = (
    "固态电池硫化物电解质界面稳定性",
    "锂枝晶抑制与负极保护涂层",
    "高镍正极材料的表面包覆改性",
    "电池管理系统的荷电状态估计",
    "钠离子电池硬碳负极的储钠机理",
    "燃料电池质子交换膜的耐久性",
)


def chinese_text(tag: str, length: int) -> str:
    """Technical Chinese of exactly ``length`` characters, unique to ``tag`` (never in a cache)."""
    parts: list[str] = []
    size, n = 0, 0
    while size < length:
        part = f"{tag}第{n}节：{_PHRASES[n % len(_PHRASES)]}的研究与应用。"
        parts.append(part)
        size, n = size + len(part), n + 1
    return "".join(parts)[:length]


def client(server: SimpleNamespace) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"X-API-Key": server.keys["admin"]}, timeout=600)


def reads_during(
    server: SimpleNamespace, write: Callable[[httpx.Client], httpx.Response]
) -> tuple[httpx.Response, int, list[int]]:
    """Run ``write`` in a thread while recommendations are read one after another until it returns.

    Returns:
        The write's response, the reads answered before it returned, and every read's status.
    """
    done = threading.Event()
    outcome: dict[str, httpx.Response | BaseException] = {}

    def run_write() -> None:
        try:
            with client(server) as http:
                outcome["response"] = write(http)
        except BaseException as error:  # re-raised in the test thread
            outcome["response"] = error
        finally:
            done.set()

    statuses: list[int] = []
    answered_during_write = 0
    with client(server) as http:
        http.post("/v1/recommendations", json=NEED).raise_for_status()  # warm: the connection is open
        writer = threading.Thread(target=run_write)
        writer.start()
        while not done.is_set():
            statuses.append(http.post("/v1/recommendations", json=NEED).status_code)
            answered_during_write += not done.is_set()
        writer.join()
    response = outcome["response"]
    if isinstance(response, BaseException):
        raise response
    return response, answered_during_write, statuses


@pytest.fixture(scope="module")
def server(api_server_factory: Callable[[], SimpleNamespace]) -> SimpleNamespace:
    """A server of this module's own (its writes are large)."""
    return api_server_factory()


def max_size_demand(demand_id: str) -> dict[str, object]:
    """A demand with every text field at its limit (~420k characters of text)."""
    item, items = TEXT_LIMITS["item"], TEXT_LIMITS["items"]
    return {
        "id": demand_id,
        "title": chinese_text(f"{demand_id}标题", TEXT_LIMITS["short"]),
        "description": chinese_text(f"{demand_id}描述", TEXT_LIMITS["long"]),
        "fields": [chinese_text(f"{demand_id}领域{n}", item) for n in range(items)],
        "keywords": [chinese_text(f"{demand_id}关键词{n}", item) for n in range(items)],
    }


def test_reads_go_on_during_a_max_size_demand_write(server: SimpleNamespace) -> None:
    demand = max_size_demand("DX-MAX-1")
    response, answered, statuses = reads_during(server, lambda http: http.post("/v1/demands", json=demand))
    assert response.status_code == 201, response.text
    assert response.json() == {"id": "DX-MAX-1", "created": True, "indexed": True}
    assert statuses and set(statuses) == {200}
    assert answered >= MIN_READS_DURING_WRITE, f"only {answered} of {len(statuses)} reads during the write"
    with client(server) as http:
        stored = http.get("/v1/demands/DX-MAX-1").json()
        assert stored["description"] == demand["description"] and stored["keywords"] == demand["keywords"]
        assert http.get("/v1/health").json()["demands_behind"] == 0  # indexed at once


def test_reads_go_on_while_a_write_is_encoded(server: SimpleNamespace) -> None:
    publications = [chinese_text(f"EX-ENC-1成果{n}", TEXT_LIMITS["item"]) for n in range(24)]
    expert = {"id": "EX-ENC-1", "name": "编码测试专家", "country": "DE", "publications": publications}
    response, answered, statuses = reads_during(server, lambda http: http.post("/v1/experts", json=expert))
    assert response.status_code == 201, response.text
    assert set(statuses) == {200}
    assert answered >= MIN_READS_DURING_WRITE, f"only {answered} of {len(statuses)} reads during the write"
    with client(server) as http:
        health = http.get("/v1/health").json()
        assert health["experts_behind"] == 0 and health["experts_stored"] == health["experts_indexed"]


def test_two_writers_of_one_demand_last_write_wins_and_is_indexed(server: SimpleNamespace) -> None:
    with client(server) as http:
        created = http.post("/v1/demands", json={"id": "DX-RACE-1", "title": "并发写入测试需求"})
        assert created.status_code == 201, created.text
    descriptions = [chinese_text(f"写入{n}", TEXT_LIMITS["long"]) for n in range(2)]
    responses: list[httpx.Response] = []

    def patch(description: str) -> None:
        with client(server) as http:
            responses.append(http.patch("/v1/demands/DX-RACE-1", json={"description": description}))

    writers = [threading.Thread(target=patch, args=(d,)) for d in descriptions]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
    with client(server) as http:
        assert http.get("/v1/demands/DX-RACE-1").json()["description"] in descriptions
        # the index holds the stored version (content hashes compared), not the other writer's
        assert http.get("/v1/health").json()["demands_behind"] == 0
        audit = http.get("/v1/audit", params={"target_id": "DX-RACE-1"}).json()
    assert [e["action"] for e in audit].count("demands.update") == 2  # both writes happened, each audited


def test_concurrent_patches_of_different_fields_both_land(server: SimpleNamespace) -> None:
    # the slow PATCH read its record before the fast one wrote; it re-applies its change under the lock
    with client(server) as http:
        assert http.post("/v1/demands", json={"id": "DX-RACE-2", "title": "并发修改"}).status_code == 201
    slow = threading.Thread(
        target=lambda: client(server).patch(
            "/v1/demands/DX-RACE-2", json={"description": chinese_text("慢", TEXT_LIMITS["long"])}
        )
    )
    slow.start()
    with client(server) as http:
        assert http.patch("/v1/demands/DX-RACE-2", json={"region": "苏州"}).status_code == 200
    slow.join()
    with client(server) as http:
        stored = http.get("/v1/demands/DX-RACE-2").json()
        assert stored["region"] == "苏州" and stored["description"].startswith("慢")
        assert http.get("/v1/health").json()["demands_behind"] == 0


def test_prepared_records_index_under_the_lock_without_encoding(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path: Path
) -> None:
    shutil.copytree(demo_data_dir, tmp_path / "data")
    matcher = Matcher(Settings(data_dir=tmp_path / "data"), encoder=use_encoder)
    demand = Demand(id="DX-PREP-1", title="氢燃料电池催化剂", description=chinese_text("预备", 3000))
    prepared = matcher.prepare_index("demands", [demand])
    misses = matcher.cache.misses
    assert misses >= 1
    matcher.store.records.upsert("demands", [demand])
    # the store gives the record back as written, so its prepared analysis is the one indexed
    stored = matcher.store.records.get("demands", "DX-PREP-1")
    assert stored is not None and record_hash(stored) == record_hash(demand)
    matcher.index_prepared(prepared, ["DX-PREP-1"], save=False)
    assert matcher.cache.misses == misses  # nothing embedded in the locked step
    corpus = matcher.collection("demands").corpus
    assert corpus.get(corpus.pk_of("DX-PREP-1")).content_hash == record_hash(demand)
    # another write got in between: the index follows the store, not the prepared version
    changed = demand.model_copy(update={"title": "质子交换膜寿命"})
    matcher.store.records.upsert("demands", [changed])
    matcher.index_prepared(prepared, ["DX-PREP-1"], save=False)
    assert corpus.get(corpus.pk_of("DX-PREP-1")).content_hash == record_hash(changed)
    assert matcher.cache.misses == misses + 1
