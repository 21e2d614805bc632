"""Checks on one cell's text that every reader applies: characters that cannot be stored, text damaged
by an earlier wrong decoding (replacement characters, UTF-8 read as Windows-1252, GBK or Big5).

Refused, never repaired: the file is fixed at its source, so what is stored equals what was meant.
"""

from __future__ import annotations

import codecs
import functools
import re

from matcher.domain.records import unstorable_character
from matcher.ingest.encodings import common_han, common_share

# Characters Windows-1252 gives to the bytes 0x80-0xFF (plus C1 controls for its five unused bytes):
# a run of them may be UTF-8 bytes shown one by one ("å¼ ä¼Ÿ" for 张伟).
_CP1252_RUN = re.compile(
    "[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}"
)
_HAN_RUN = re.compile("[^\x00-\x7f\u00a0-\u024f\u3000-\u303f\uff00-\uffef]{2,}")
_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_MISREAD_AS = (("gb18030", "GBK"), ("cp950", "Big5"))


def unescape_ooxml(text: str) -> str:
    """Undo the ``_xHHHH_`` escapes Excel writes for control characters (openpyxl keeps them)."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), text)


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be imported as written, or None when it is fine.

    >>> text_problem("Ann\\x00a")
    'control character U+0000 at position 4: not allowed in text, remove it'
    """
    found = unstorable_character(text)
    if found is not None:
        return f"{found}: not allowed in text, remove it"
    replaced = text.find("\ufffd")
    if replaced >= 0:
        return (
            f"replacement character U+FFFD at position {replaced + 1}: the text was damaged by a wrong "
            "decoding before this file was saved; correct it at the source"
        )
    return _mojibake(text)


@functools.cache
def _suspect() -> re.Pattern[str]:
    """Any character garbled text could start with: not ASCII, common Han or CJK/full-width punctuation.

    Most cells of a Chinese file have none, so this one search spares them the slower checks.
    """
    ranges: list[list[int]] = []
    for code in sorted(common_han()):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    common = "".join(
        f"{re.escape(chr(a))}-{re.escape(chr(b))}" if b > a else re.escape(chr(a)) for a, b in ranges
    )
    return re.compile(f"[^\\x00-\\x7f\\u3000-\\u303f\\uff00-\\uffef{common}]")


def _mojibake(text: str) -> str | None:
    if _suspect().search(text) is None:
        return None
    for run in _CP1252_RUN.finditer(text):
        meant = _utf8_of(_cp1252_bytes(run.group()))
        if meant is not None and meant.strip():
            return _garbled(run, meant, "Windows-1252")
    for run in _HAN_RUN.finditer(text):
        if common_share(run.group()) >= 0.5:
            continue  # ordinary Chinese text
        for encoding, label in _MISREAD_AS:
            try:
                raw = run.group().encode(encoding)
            except UnicodeEncodeError:
                continue
            meant = _utf8_of(raw, tolerate_cut=True)
            if meant is not None and len(meant) >= 2 and common_share(meant) >= 0.8:
                return _garbled(run, meant, label)
    return None


def _garbled(run: re.Match[str], meant: str, misread_as: str) -> str:
    return (
        f"garbled text {run.group()!r} at position {run.start() + 1}: it is {meant!r} in UTF-8 read as "
        f"{misread_as}; export the file again from the original data, as UTF-8"
    )


def _cp1252_bytes(text: str) -> bytes:
    # The five bytes Windows-1252 leaves unused come back as C1 controls (U+0081 …) from most tools.
    return b"".join(ch.encode("cp1252") if ord(ch) > 0xFF else bytes((ord(ch),)) for ch in text)


def _utf8_of(raw: bytes, *, tolerate_cut: bool = False) -> str | None:
    """``raw`` as UTF-8 with at least one non-ASCII character, else None.

    ``tolerate_cut`` accepts a last character cut short (a GBK misreading pairs bytes across characters).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        meant = decoder.decode(raw, final=not tolerate_cut)
    except UnicodeDecodeError:
        return None
    return meant if any(ord(ch) > 0x7F for ch in meant) else None
