"""Exports of an agenda: one iCalendar file per participant (RFC 5545, written by hand), XLSX sheets,
and the plain-text schedule a participant is mailed (with its fingerprint, so unchanged schedules are
not mailed twice).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from matcher.docking.base import Meeting
from matcher.docking.records import Agenda

EVENT_TIMEZONE = ZoneInfo("Asia/Shanghai")
"""Slot times are local times of the event (China Standard Time); calendars get them in UTC."""
VENUE_ZH = {"table": "桌", "room": "线上会议室"}
VENUE_EN = {"table": "table", "room": "online room"}


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma and newlines."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (UTF-8 characters are never split), CRLF + space."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode())
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.replace(tzinfo=EVENT_TIMEZONE).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def place(meeting: Meeting) -> tuple[str, str]:
    """(Chinese, English) place of a meeting: ``3 号桌`` / ``table 3``."""
    return (f"{meeting.number} 号{VENUE_ZH[meeting.venue]}", f"{VENUE_EN[meeting.venue]} {meeting.number}")


def _describe(agenda: Agenda, meeting: Meeting, kind: str) -> tuple[str, str]:
    """(summary, description) of a meeting for the participant of ``kind``."""
    expert = agenda.name_of("expert", meeting.expert_id)
    enterprise = agenda.name_of("enterprise", meeting.enterprise_id)
    title = agenda.demand_titles.get(meeting.demand_id, meeting.demand_id)
    other = enterprise if kind == "expert" else expert
    zh, en = place(meeting)
    summary = f"洽谈 Meeting: {other} · {title}"
    description = (
        f"{agenda.event.name}\n专家 Expert: {expert} ({meeting.expert_id})\n"
        f"企业 Enterprise: {enterprise} ({meeting.enterprise_id})\n"
        f"需求 Demand: {title} ({meeting.demand_id})\n"
        f"地点 Place: {zh} / {en}"
    )
    return summary, description


def participant_ics(agenda: Agenda, kind: str, participant_id: str, *, stamp: datetime) -> str:
    """The participant's meetings as one VCALENDAR (CRLF line ends; ``stamp`` is naive UTC DTSTAMP)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Haizhi Match//Docking events//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(agenda.event.name)}",
    ]
    for meeting in agenda.meetings_of(kind, participant_id):
        slot = agenda.slot(meeting.slot_id)
        summary, description = _describe(agenda, meeting, kind)
        zh, en = place(meeting)
        uid = f"{agenda.event.id}.{meeting.expert_id}.{meeting.demand_id}@haizhi-match"
        location = f"{agenda.event.location} {zh} / {en}".strip()
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(uid)}",
            f"DTSTAMP:{stamp.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTSTART:{_utc(slot.starts_at)}",
            f"DTEND:{_utc(slot.ends_at)}",
            f"SUMMARY:{escape_text(summary)}",
            f"DESCRIPTION:{escape_text(description)}",
            f"LOCATION:{escape_text(location)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def schedule_lines(agenda: Agenda, kind: str, participant_id: str) -> list[str]:
    """One line per meeting: time, place, counterpart and demand (mail body and fingerprint)."""
    found = []
    for meeting in agenda.meetings_of(kind, participant_id):
        slot = agenda.slot(meeting.slot_id)
        zh, en = place(meeting)
        summary, _ = _describe(agenda, meeting, kind)
        found.append(f"{slot.starts_at:%Y-%m-%d %H:%M}–{slot.ends_at:%H:%M}  {zh} / {en}  {summary}")
    return found


def fingerprint(agenda: Agenda, kind: str, participant_id: str) -> str:
    """SHA-256 of the participant's schedule (changes iff a meeting, time or place of theirs changes)."""
    text = "\n".join(
        [agenda.event.name, agenda.event.location, *schedule_lines(agenda, kind, participant_id)]
    )
    return hashlib.sha256(text.encode()).hexdigest()


def agenda_sheets(agenda: Agenda) -> list[tuple[str, Sequence[Mapping[str, Any]]]]:
    """XLSX sheets: 日程 Agenda (a row per meeting) and 网格 Grid (a row per slot, a column per place)."""
    rows = []
    for m in agenda.meetings:
        slot = agenda.slot(m.slot_id)
        zh, en = place(m)
        rows.append(
            {
                "时段 Slot": m.slot_id,
                "开始 Start": f"{slot.starts_at:%Y-%m-%d %H:%M}",
                "结束 End": f"{slot.ends_at:%H:%M}",
                "地点 Place": f"{zh} / {en}",
                "专家 Expert": agenda.name_of("expert", m.expert_id),
                "专家编号 Expert id": m.expert_id,
                "企业 Enterprise": agenda.name_of("enterprise", m.enterprise_id),
                "企业编号 Enterprise id": m.enterprise_id,
                "需求编号 Demand id": m.demand_id,
                "需求 Demand": agenda.demand_titles.get(m.demand_id, m.demand_id),
                "权重 Weight": round(m.weight, 4),
            }
        )
    places = sorted({(m.venue, m.number) for m in agenda.meetings})
    grid = []
    for slot in agenda.slots:
        row: dict[str, Any] = {"时段 Slot": f"{slot.starts_at:%m-%d %H:%M}–{slot.ends_at:%H:%M}"}
        here = {(m.venue, m.number): m for m in agenda.meetings if m.slot_id == slot.id}
        for venue, number in places:
            found = here.get((venue, number))
            label = f"{number} 号{VENUE_ZH[venue]}"
            who = (
                ""
                if found is None
                else f"{agenda.name_of('expert', found.expert_id)} × {found.enterprise_id}"
            )
            row[label] = who
        grid.append(row)
    return [("日程 Agenda", rows), ("网格 Grid", grid)]
