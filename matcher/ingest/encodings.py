"""Decode import files: byte-order marks, UTF-8, UTF-16, GB18030/GBK, Big5/Big5-HKSCS/CP950.

Most Big5 byte pairs are also valid GBK, so "it decodes" proves nothing for Chinese files. Each
Chinese decoding is scored by how much of its Han text is *common* (GB2312 level 1 or Big5 level 1,
plus everyday Cantonese characters); a wrong decoding turns into rare Han, kana, Cyrillic and
private-use characters. The best-scoring decoding wins; text that is implausible under every
decoding is refused instead of being imported as mojibake.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from matcher.ingest.import_types import ImportFileError, file_error

CHINESE_ENCODINGS = ("gb18030", "big5hkscs", "cp950")
"""Tried in this order; on a tie the earlier one wins (mainland files are the usual case)."""

ACCEPT_SCORE = 0.6
"""A Chinese decoding this plausible is taken without asking charset-normalizer."""

REFUSE_BELOW = 0.4
"""A file whose best Chinese decoding scores below this (and that nothing else decodes) is refused."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE, whose BOM is its prefix
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Frequent Cantonese characters of Hong Kong text (HKSCS), which are not in Big5 level 1.
_CANTONESE = "嘅啱咗嚟佢哋冇喺嗰啲咁噉乜嘢睇諗搵咪嘞喎囉攞掂唔係嘥咩晒瞓𡃁"
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_IMPOSSIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")
# ASCII, Latin letters, punctuation, currency, number forms, arrows, maths, circled numbers, shapes,
# symbols, CJK and full-width punctuation, emoji: characters that say nothing about which Chinese
# decoding is right. (Box drawing, kana, Greek and Cyrillic do: Big5 read as GBK is full of them.)
_NEUTRAL = re.compile(
    "[\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u24ff\u25a0-\u27bf\u3000-\u303f\uff00-\uffef\U0001f000-\U0001faff]+"
)
_TWO_BYTE_RUN = re.compile("[\u0080-\u07ff]{2,}")
_THREE_BYTE_UTF8 = re.compile("[\u0800-\U0010ffff]")
_CHINESE_NAMES = {"gb2312", "gbk", "gb18030", "hz", "cp936", "big5", "big5hkscs", "cp950"}
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SAMPLE_CHARACTERS = 200_000  # enough evidence; keeps scoring a large file cheap
_TOO_FEW_TO_REFUSE = 6  # a name or two is too little text to call a decoding implausible


@functools.cache
def common_han() -> dict[int, None]:
    """The common Han characters as a `str.translate` table that deletes them (for fast counting)."""
    pairs = [bytes((lead, trail)) for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)]
    characters = {_decode_or_empty(pair, "gb2312") for pair in pairs}  # GB2312 level 1
    trails = [*range(0x40, 0x7F), *range(0xA1, 0xFF)]
    pairs = [bytes((lead, trail)) for lead in range(0xA4, 0xC7) for trail in trails]
    characters |= {_decode_or_empty(pair, "big5") for pair in pairs if pair <= b"\xc6\x7e"}  # Big5 level 1
    characters |= set(_CANTONESE)
    characters.discard("")
    return {ord(ch): None for ch in characters}


def _decode_or_empty(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return ""


@dataclass(frozen=True)
class Decoding:
    """A candidate decoding of a file and how plausible it is as Chinese text."""

    encoding: str
    text: str
    score: float | None  # 0 … 1, None when nothing in the text tells (all neutral)
    telling: int  # how many characters the score rests on


def score_decoding(encoding: str, text: str) -> Decoding:
    """Score ``text``: common Han count 1 for; rare Han 1 against; other scripts and symbols 2
    against; private-use, replacement and control characters 4 against."""
    telling = _NEUTRAL.sub("", text[: 4 * _SAMPLE_CHARACTERS])[:_SAMPLE_CHARACTERS]
    if not telling:
        return Decoding(encoding, text, None, 0)
    common = len(telling) - len(telling.translate(common_han()))
    han = len(_CJK.findall(telling))
    impossible = len(_IMPOSSIBLE.findall(telling))
    other = len(telling) - han - impossible
    return Decoding(encoding, text, common / (han + 2 * other + 4 * impossible), len(telling))


def _bom_decoding(data: bytes, path: Path) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise _undecodable(
                    path, f"it starts with a {encoding.upper()} byte-order mark", exc
                ) from None
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has a zero byte beside nearly every ASCII character."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for zeros, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > 0.4 * half and other < 0.05 * half:
            with contextlib.suppress(UnicodeDecodeError):
                return data.decode(encoding)
    return None


def _undecodable(path: Path, what: str, exc: UnicodeDecodeError) -> ImportFileError:
    return file_error(
        path, f"cannot decode the file: {what} but byte {exc.start + 1} is not valid there; save it as UTF-8"
    )


def _looks_binary(text: str) -> bool:
    controls = len(_CONTROL.findall(text[:_SAMPLE_CHARACTERS]))
    return controls >= 3 and controls > 0.01 * min(len(text), _SAMPLE_CHARACTERS)


def chinese_decodings(data: bytes) -> list[Decoding]:
    """Every Chinese encoding that decodes ``data`` without error, best score first (stable on ties)."""
    found = []
    for encoding in CHINESE_ENCODINGS:
        with contextlib.suppress(UnicodeDecodeError):
            found.append(score_decoding(encoding, data.decode(encoding)))
    return sorted(found, key=lambda d: -(d.score if d.score is not None else 1.0))


def _almost_utf8(data: bytes, exc: UnicodeDecodeError) -> str | None:
    """Why a file that is UTF-8 but for a few bytes (a cell pasted from elsewhere) is refused."""
    lenient = data.decode("utf-8", errors="replace")
    broken = lenient.count("\ufffd")
    valid = len(lenient) - len(lenient.encode("ascii", "ignore")) - broken  # non-ASCII, decoded
    if valid < 3 or broken * 4 > valid:  # GBK or Big5 read as UTF-8 breaks at most characters
        return None
    line = data.count(b"\n", 0, exc.start) + 1
    return (
        f"cannot decode the file: it is UTF-8 except for {broken} invalid byte sequence(s), the first "
        f"on line {line} ({data[exc.start : exc.end]!r}), probably text pasted from a file in another "
        "encoding; correct that text and save the file as UTF-8 again"
    )


def _other_guess(data: bytes) -> str | None:
    """charset-normalizer's decoding when it is not Chinese and holds no impossible characters."""
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding in _CHINESE_NAMES:
        return None
    text = str(best)
    return None if _IMPOSSIBLE.search(text) else text


def decode_text(data: bytes, path: Path) -> str:
    """Decode an import file: BOM, UTF-8, UTF-16, the most plausible Chinese encoding, else a guess.

    Raises:
        ImportFileError: if the bytes are binary, or no encoding yields plausible text.
    """
    text = _bom_decoding(data, path)
    if text is None:
        text = _utf16_without_bom(data)
    if text is None:
        try:
            text = _unless_gbk(data, data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            almost = _almost_utf8(data, exc)
            if almost is not None:
                raise file_error(path, almost) from None
    if text is None:
        return _decode_legacy(data, path)
    if _looks_binary(text):
        raise file_error(path, "cannot decode the file: it holds binary data (control characters), not text")
    return text


def _unless_gbk(data: bytes, text: str) -> str:
    """A short GBK/Big5 file can be valid UTF-8 by chance (时装展 → ʱװչ): take the Chinese reading
    when a run of 2-byte UTF-8 characters mixes scripts and reads as common Han, and the whole file does."""
    if _THREE_BYTE_UTF8.search(text):
        return text  # GBK and Big5 bytes rarely form these
    for run in _TWO_BYTE_RUN.finditer(text):
        if len({ord(ch) >> 7 for ch in run.group()}) < 2:
            continue  # one script, e.g. the Greek of "αβ", the Latin of "Jiří"
        meant = _decode_or_empty(run.group().encode("utf-8"), "gb18030")
        if meant and common_share(meant) >= 0.8:
            candidates = chinese_decodings(data)
            if candidates and (candidates[0].score or 0.0) >= ACCEPT_SCORE:
                return candidates[0].text
            return text
    return text


def common_share(text: str) -> float:
    """The share of ``text``'s characters that are common Han (0 for an empty text)."""
    return (len(text) - len(text.translate(common_han()))) / len(text) if text else 0.0


def _decode_legacy(data: bytes, path: Path) -> str:
    """The most plausible Chinese decoding, else charset-normalizer's guess, else a refusal."""
    candidates = chinese_decodings(data)
    best = candidates[0] if candidates else None
    if best is not None and (best.score is None or best.score >= ACCEPT_SCORE):
        return best.text
    guess = _other_guess(data)  # e.g. Windows-1252 European names, Shift-JIS
    if guess is not None:
        return guess
    if best is None:
        raise file_error(
            path, "cannot decode the file: it is not UTF-8, GB18030/GBK or Big5 text; save it as UTF-8"
        )
    if best.score is not None and (best.score >= REFUSE_BELOW or best.telling < _TOO_FEW_TO_REFUSE):
        return best.text  # a short text, or one with a rare character or two
    raise file_error(path, _implausible_reason(best))


def _implausible_reason(best: Decoding) -> str:
    found = _IMPOSSIBLE.search(best.text) or _first_uncommon(best.text)
    where = ""
    if found is not None:
        line = best.text.count("\n", 0, found.start()) + 1
        start = best.text.rfind("\n", 0, found.start()) + 1
        where = f" (line {line}: {best.text[start : start + 24]!r})"
    return (
        "cannot decode the file: it is not UTF-8, and read as GB18030/GBK or Big5 it is mostly rare, "
        f"private-use or garbled characters{where}; save it as UTF-8"
    )


def _first_uncommon(text: str) -> re.Match[str] | None:
    for found in re.finditer(r"[^\x00-\x7f]", text):
        if ord(found.group()) not in common_han():
            return found
    return None
