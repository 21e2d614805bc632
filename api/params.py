"""Path and query parameters that state the project's text rule in the schema and enforce it.

Every text parameter has a length limit and the text rule of `matcher.domain.text_fields` (no control
characters), so what the OpenAPI schema promises is exactly what the server accepts; ids follow the
record id pattern (no record can have another id, so anything else is refused up front).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator

from matcher.domain.records import ID_PATTERN
from matcher.domain.text_fields import CodeText, LanguageText, SearchText

__all__ = ["CodeText", "IdQuery", "IsoDate", "LanguageText", "SearchText", "id_path"]

ID_MAX = 64


def id_path(description: str = "") -> Any:
    """A record id in the path."""
    return Path(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN, description=description or None)


IdQuery = Annotated[str | None, Query(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN)]
"""An optional filter on a record id."""


def _iso_date(value: object) -> object:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("use an ISO date, YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date written YYYY-MM-DD (not a timestamp: ``0`` is refused, not read as 1970-01-01)."""
