"""Table and room numbers within a slot: kept meetings keep theirs, new ones take the lowest free."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Sequence

from matcher.docking.base import Meeting, Slot


def number_meetings(meetings: Iterable[Meeting], slots: Sequence[Slot]) -> list[Meeting]:
    """Give every meeting with ``number == 0`` the lowest free number of its slot and venue.

    Returns:
        The meetings sorted by slot (event order), venue, then number.
    """
    order = {slot.id: i for i, slot in enumerate(slots)}
    taken: dict[tuple[str, str], set[int]] = defaultdict(set)
    pending: list[Meeting] = []
    numbered: list[Meeting] = []
    for meeting in meetings:
        if meeting.number > 0:
            taken[(meeting.slot_id, meeting.venue)].add(meeting.number)
            numbered.append(meeting)
        else:
            pending.append(meeting)
    for meeting in sorted(pending, key=lambda m: (order[m.slot_id], m.venue, m.expert_id, m.demand_id)):
        used = taken[(meeting.slot_id, meeting.venue)]
        number = next(n for n in range(1, len(used) + 2) if n not in used)
        used.add(number)
        numbered.append(dataclasses.replace(meeting, number=number))
    return sorted(numbered, key=lambda m: (order[m.slot_id], m.venue, m.number))
