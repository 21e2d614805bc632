"""Operations history for the dashboard tests: match events, cooperations and nightly ledger rows.

The bundled demo data has records but no history. `seed` writes one, deterministically, through the
store's and the nightly ledger's own code (no mocks): each demo demand that the demo marks as
matching, negotiating, cooperating or closed gets the lifecycle its status implies with its best
gold expert, dated from its ``posted_at`` (never after today); cooperating demands get a cooperation.
Two nightly runs are journaled: the day before yesterday everything went out, yesterday's run was
partial (B-SZ failed, B-FS had no contacts).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from pathlib import Path

from matcher.config import Settings
from matcher.domain.records import CooperationMode, Demand, MatchStatus, Site
from matcher.store import Cooperation, MatchEvent, Store
from pipelines.nightly.ledger import NightlyLedger, SentPair, SmtpCheck

DEMO_DIR = Path(__file__).resolve().parents[1] / "pipelines" / "demo" / "data"
S = MatchStatus
PATHS = {
    "matching": [(S.RECOMMENDED, 3), (S.CONTACTED, 12)],
    "negotiating": [(S.RECOMMENDED, 2), (S.CONTACTED, 6), (S.NEGOTIATING, 20)],
    "cooperating": [(S.RECOMMENDED, 2), (S.CONTACTED, 5), (S.NEGOTIATING, 15), (S.SIGNED, 30)],
    "closed": [(S.RECOMMENDED, 4), (S.CONTACTED, 9)],
}
FAILED_BASE = "B-SZ"
SMTP_ERROR = "550 5.1.1 mailbox unavailable"


def best_gold_experts() -> dict[str, list[str]]:
    """demand id → gold experts, best grade first."""
    rows = list(csv.DictReader((DEMO_DIR / "gold.csv").open(encoding="utf-8")))
    rows.sort(key=lambda r: (r["demand_id"], -int(r["grade"]), r["expert_id"]))
    best: dict[str, list[str]] = {}
    for row in rows:
        best.setdefault(row["demand_id"], []).append(row["expert_id"])
    return best


def seed(data_dir: Path, *, today: date | None = None) -> dict[str, object]:
    """Write the history into the store of ``data_dir``; returns what was written (for assertions)."""
    today = today or date.today()
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    gold = best_gold_experts()
    demands = [d for d in store.records.list("demands") if isinstance(d, Demand)]
    events: list[MatchEvent] = []
    cooperations: list[Cooperation] = []
    for demand in demands:
        path = PATHS.get(demand.status.value)
        experts = gold.get(demand.id)
        if path is None or not experts or demand.posted_at is None:
            continue
        for status, days in path:
            day = min(demand.posted_at + timedelta(days=days), today)
            events.append(
                MatchEvent(demand.id, experts[0], None, status, "", "seed", datetime.combine(day, time(9)))
            )
        if demand.status.value == "cooperating":
            start = min(demand.posted_at + timedelta(days=35), today)
            amount = 20.0 + 5 * (int(demand.id[1:]) % 7)
            cooperations.append(
                Cooperation(
                    demand_id=demand.id,
                    expert_id=experts[0],
                    mode=CooperationMode.PROJECT,
                    start_date=start,
                    contract_amount_wan=amount,
                )
            )
    store.flow.import_match_history(events)
    for cooperation in cooperations:
        store.flow.upsert_cooperation(cooperation)
    ledger = NightlyLedger(store)
    open_demands = [d for d in demands if d.status.value == "open" and d.id in gold]
    pairs = {d.id: SentPair(d.id, gold[d.id][-1], 0.61) for d in open_demands}
    station_base = {s.id: s.parent_id for s in store.records.list("sites") if isinstance(s, Site)}
    by_base: dict[str, list[SentPair]] = {}
    for demand in open_demands:
        base = station_base.get(demand.station_id or "")
        if base:
            by_base.setdefault(base, []).append(pairs[demand.id])
    runs = []
    for back, outcome in ((2, "finished"), (1, "partial")):
        day = today - timedelta(days=back)
        run_id = f"{day:%Y%m%d}-seed"
        ledger.start_run(run_id, day, dry_run=False, base_filter=None)
        ledger.record_smtp_check(
            run_id,
            SmtpCheck("ok", "smtp.example.cn:587", "starttls", "", "", datetime.combine(day, time(6, 30))),
        )
        for base in ("B-GZ", FAILED_BASE, "B-FS"):
            chunk = by_base.get(base, [])[back - 1 :: 2]  # each day a different half of the base's demands
            if base == "B-FS" and back == 1:
                ledger.record_delivery_outcome(day, base, run_id=run_id, status="no_contacts")
                continue
            ledger.begin_delivery(
                day,
                base,
                run_id=run_id,
                message_id=f"<{run_id}.{base}@haizhi.test>",
                recipients=[f"office@{base.lower()}.example.cn", f"haizhi@{base.lower()}.example.cn"],
                pairs=chunk,
                demands=len({p.demand_id for p in chunk}),
                experts=len({p.expert_id for p in chunk}),
                message=b"Subject: test\r\n\r\nseed",
            )
            if base == FAILED_BASE and back == 1:
                ledger.record_delivery_outcome(day, base, run_id=run_id, status="failed", error=SMTP_ERROR)
            else:
                ledger.record_delivery_sent(day, base)
        ledger.finish_run(
            run_id, outcome, {"demands": len(open_demands)}, "" if back == 2 else f"{FAILED_BASE}: failed"
        )
        runs.append(run_id)
    store.close()
    return {"events": len(events), "cooperations": len(cooperations), "runs": runs}
