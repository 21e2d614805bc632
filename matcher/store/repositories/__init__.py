"""Repositories, one per concern, each built on a `matcher.store.database.Database`.

`matcher.store.Store` composes them as ``store.records``, ``store.matches``, ``store.flow``,
``store.search``, ``store.freshness``, ``store.access``, ``store.ledger`` and ``store.links``.
"""

from matcher.store.repositories.access import AccessRepository
from matcher.store.repositories.events import EventRepository
from matcher.store.repositories.flow import FlowRepository
from matcher.store.repositories.freshness import FreshnessRepository
from matcher.store.repositories.ledger import LedgerRepository
from matcher.store.repositories.links import LinksRepository
from matcher.store.repositories.matches import MatchRepository
from matcher.store.repositories.records import RecordRepository
from matcher.store.repositories.search import SearchRepository

__all__ = [
    "AccessRepository",
    "EventRepository",
    "FlowRepository",
    "FreshnessRepository",
    "LedgerRepository",
    "LinksRepository",
    "MatchRepository",
    "RecordRepository",
    "SearchRepository",
]
