"""Text fields of records: the one text rule, length limits, and strict (API) vs lenient (file) input.

Every text field has a documented length limit (`TEXT_LIMITS`, in the OpenAPI schema too) and obeys
the one text rule (`unstorable_character`). Files are read leniently (a cell ``a; b`` is a list, a
country may be a name such as 美国); API bodies are strict (`strict_input`): lists are JSON arrays,
countries ISO codes and cooperation modes their codes, exactly as the schema says.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

_SPLIT = re.compile(r"[;；、|\n]+")

UNSTORABLE_CHARACTERS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"
"""The one rule for text at every boundary (API bodies and parameters, CSV/XLSX/JSONL imports, both
databases): C0 and C1 control characters other than tab, newline and carriage return, DEL, and lone
UTF-16 surrogates (below) are refused, never stripped. PostgreSQL cannot store NUL at all, and the
others are a sign of binary data or a wrong decoding, so refusing them keeps what is stored equal to
what was sent."""

TEXT_PATTERN = f"^[^{UNSTORABLE_CHARACTERS}]*$"
"""`UNSTORABLE_CHARACTERS` as a JSON-schema pattern, so generated clients know the rule too. Lone
surrogates are refused as well; a pattern cannot name them (they are not characters of valid JSON
text), so only the server's check says so."""

REQUIRED_TEXT_PATTERN = (
    f"^[^{UNSTORABLE_CHARACTERS}]*[^\\s{UNSTORABLE_CHARACTERS}][^{UNSTORABLE_CHARACTERS}]*$"
)
"""`TEXT_PATTERN` with at least one character that is not whitespace (values are stripped)."""

ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"
_EDGE = (
    r"[ \t\n\r]*"  # what stripping removes around a value (spelled out: \s differs between regex dialects)
)
_ADDRESS_PART = rf"[^@\s{UNSTORABLE_CHARACTERS}]+"
EMAIL_PATTERN = rf"^{_EDGE}({_ADDRESS_PART}@{_ADDRESS_PART}\.{_ADDRESS_PART})?{_EDGE}$"
ORCID_PATTERN = rf"^{_EDGE}([0-9]{{4}}-[0-9]{{4}}-[0-9]{{4}}-[0-9]{{3}}[0-9X])?{_EDGE}$"

TEXT_LIMITS = {
    "short": 300,
    "long": 20_000,
    "item": 1_000,
    "items": 200,
    "publication": 10_000,
    "publications": 1_000,
}
"""Characters per short field (names, titles, places), per long field (bio, description), per list
item and per publication (a title with its abstract); items per list, and publications per expert
(each publication is one indexed item)."""

_UNSTORABLE = re.compile(f"[{UNSTORABLE_CHARACTERS}\\ud800-\\udfff]")
_strict: ContextVar[bool] = ContextVar("strict_record_input", default=False)


def unstorable_character(text: str) -> str | None:
    """Describe the first character of ``text`` that the text rule refuses, or None when it is clean.

    >>> unstorable_character("a\\x00b")
    'control character U+0000 at position 2'
    """
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = "lone surrogate" if 0xD800 <= code <= 0xDFFF else "control character"
    return f"{kind} U+{code:04X} at position {found.start() + 1}"


def _storable(value: str) -> str:
    problem = unstorable_character(value)
    if problem is not None:
        raise ValueError(f"{problem}: control characters are not allowed in text")
    return value


@contextmanager
def strict_input() -> Iterator[None]:
    """Validate records as API bodies: JSON arrays for lists, codes for countries and modes."""
    token = _strict.set(True)
    try:
        yield
    finally:
        _strict.reset(token)


@contextmanager
def lenient_input() -> Iterator[None]:
    """Validate records as file rows (the default): delimited cells, country names, mode labels."""
    token = _strict.set(False)
    try:
        yield
    finally:
        _strict.reset(token)


def is_strict_input() -> bool:
    """Whether records are being validated as API bodies."""
    return _strict.get()


@dataclass(frozen=True)
class TextRule:
    """Pydantic metadata for a text type: ``Annotated[str, TextRule(300)]``.

    Validates the length (after the model's whitespace stripping) and the text rule, and writes both
    into the JSON schema (the rule as `TEXT_PATTERN`, which pydantic's regex engine cannot compile).
    """

    max_length: int
    pattern: str = TEXT_PATTERN
    min_length: int = 0
    message: str = ""
    """What a value that misses a `pattern` other than the text rule is not (e.g. "an email address")."""

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """String schema with the limits, then the text rule, then any stricter pattern."""
        limits = core_schema.str_schema(max_length=self.max_length, min_length=self.min_length or None)
        storable = core_schema.no_info_after_validator_function(_storable, limits)
        if self.pattern in (TEXT_PATTERN, REQUIRED_TEXT_PATTERN):
            return storable  # the text rule and min_length (after stripping) already say it all
        return core_schema.no_info_after_validator_function(self._matching, storable)

    def _matching(self, value: str) -> str:
        if not re.search(self.pattern, value):
            raise ValueError(
                f"not {self.message}: {value!r}" if self.message else f"does not match {self.pattern}"
            )
        return value

    def __get_pydantic_json_schema__(
        self, _schema: CoreSchema, _handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The string schema clients see."""
        out: dict[str, Any] = {"type": "string", "maxLength": self.max_length, "pattern": self.pattern}
        if self.min_length:
            out["minLength"] = self.min_length
        return out


ShortText = Annotated[str, TextRule(TEXT_LIMITS["short"])]
NameText = Annotated[str, TextRule(TEXT_LIMITS["short"], REQUIRED_TEXT_PATTERN, min_length=1)]
LongText = Annotated[str, TextRule(TEXT_LIMITS["long"])]
ItemText = Annotated[str, TextRule(TEXT_LIMITS["item"])]
IdRef = Annotated[str, TextRule(64, ID_PATTERN, min_length=1, message="an id (letters, digits, _ . : -)")]
NoteText = Annotated[str, TextRule(2000)]
"""A note on a match, a closing or a cooperation."""
CodeText = Annotated[str, TextRule(64)]
"""A catalogue code (industry, field) as a parameter."""
LanguageText = Annotated[str, TextRule(16)]
"""A language code (zh, en, zh-tw …) as a parameter."""
SearchText = Annotated[str, TextRule(200)]
"""Free text to look for in a listing."""

"""A reference to another record's id (a station, a parent base)."""


def split_multi(value: object) -> list[str]:
    """Split a multi-valued cell on ``;`` ``；`` ``、`` ``|`` or newlines; lists pass through cleaned."""
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        items = [str(v) for v in value]
    else:
        text = str(value)
        if not text.strip():
            return []
        items = _SPLIT.split(text)
    return [item.strip() for item in items if item and item.strip()]


def _list_input(value: object) -> object:
    if is_strict_input():
        if not isinstance(value, list):
            raise ValueError("expected a JSON array of strings")
        return [v.strip() if isinstance(v, str) else v for v in value if not isinstance(v, str) or v.strip()]
    return split_multi(value)


StrList = Annotated[list[ItemText], Field(max_length=TEXT_LIMITS["items"]), BeforeValidator(_list_input)]
"""A multi-valued text field: a JSON array, or a delimited cell in files; blank items dropped."""
PublicationList = Annotated[
    list[Annotated[str, TextRule(TEXT_LIMITS["publication"])]],
    Field(max_length=TEXT_LIMITS["publications"]),
    BeforeValidator(_list_input),
]
