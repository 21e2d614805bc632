"""Text normalisation and language detection used for matching.

Matching always works on `normalize(text)`: NFKC (full-width → half-width), traditional → simplified
Chinese (OpenCC ``t2s``), lowercase, collapsed whitespace. Originals are kept by callers for display.

Language rule (`detect_language`): count Han characters and Latin letters; a Han character carries
roughly as much information as a short English word fragment, so Han counts are weighted ×3. The
weighted majority decides between Chinese and English. Chinese text is labelled ``zh-tw``
(traditional) when at least `TRADITIONAL_SHARE` of its Han characters change under OpenCC ``t2s``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

HAN_WEIGHT = 3
"""Weight of one Han character against one Latin letter when picking the dominant script."""

TRADITIONAL_SHARE = 0.05
"""Share of Han characters that must change under t2s for text to count as traditional Chinese."""

_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")
_WHITESPACE_RE = re.compile(r"\s+")

_converter_lock = threading.Lock()
_converters: dict[str, Any] = {}


def _opencc(config: str) -> Any:
    """Return the process-wide OpenCC converter for ``config`` (e.g. ``t2s``), created on first use."""
    converter = _converters.get(config)
    if converter is None:
        with _converter_lock:
            converter = _converters.get(config)
            if converter is None:
                import opencc  # imported lazily: loading its dictionaries costs a few ms

                converter = _converters[config] = opencc.OpenCC(config)
    return converter


def _t2s() -> Any:
    """Return the process-wide OpenCC t2s converter."""
    return _opencc("t2s")


def to_simplified(text: str) -> str:
    """Convert traditional Chinese characters and phrases to simplified (OpenCC ``t2s``)."""
    if not text:
        return ""
    return str(_t2s().convert(text))


def to_traditional(text: str) -> str:
    """Convert simplified Chinese to traditional with Taiwan phrasing (OpenCC ``s2twp``)."""
    if not text:
        return ""
    return str(_opencc("s2twp").convert(text))


@lru_cache(maxsize=512)
def normalize(text: str) -> str:
    """Normalise text for matching: NFKC, t2s, lowercase, collapsed whitespace, stripped.

    A small cache helps because the same text is usually normalised by several consumers in a row
    (tokenizer, glossary, catalogue tagging); it is kept small since profiles can be long.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    folded = to_simplified(folded).lower()
    return _WHITESPACE_RE.sub(" ", folded).strip()


def detect_language(text: str) -> str:
    """Detect the dominant language of ``text``.

    Returns:
        ``"zh"`` for simplified Chinese, ``"zh-tw"`` for traditional Chinese, ``"en"`` for Latin
        script, ``""`` when the text has neither Han characters nor letters.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text)
    han_chars = _HAN_RE.findall(folded)
    latin_count = len(_LATIN_RE.findall(folded))
    if not han_chars and latin_count == 0:
        return ""
    if len(han_chars) * HAN_WEIGHT < latin_count:
        return "en"
    han_text = "".join(han_chars)
    simplified = to_simplified(han_text)
    if len(simplified) != len(han_text):
        # Phrase-level conversion changed the length: compare as a whole (rare).
        changed = sum(1 for a, b in zip(han_text, simplified, strict=False) if a != b) or 1
    else:
        changed = sum(1 for a, b in zip(han_text, simplified, strict=True) if a != b)
    return "zh-tw" if changed / len(han_text) >= TRADITIONAL_SHARE else "zh"


def language_family(lang: str) -> str:
    """Collapse a language code to its family: ``"zh"`` for zh/zh-tw/zh-*, ``"en"`` otherwise."""
    return "zh" if lang.lower().startswith("zh") else "en"


def content_hash(text: str) -> str:
    """Return the SHA-256 hex digest of ``text`` encoded as UTF-8 (cache keys)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_han(char: str) -> bool:
    """Tell whether a single character is a Han (CJK unified) ideograph."""
    return bool(_HAN_RE.match(char))


def has_han(text: str) -> bool:
    """Tell whether ``text`` holds a Han character (one regex scan, not a call per character)."""
    return _HAN_RE.search(text) is not None


def count_han(text: str) -> int:
    """Number of Han characters in ``text`` (as ``sum(map(is_han, text))``, in one regex scan)."""
    return len(_HAN_RE.findall(text))


def count_ascii_letters(text: str) -> int:
    """Number of ASCII letters ``A-Z a-z`` in ``text``."""
    return len(_ASCII_LETTER_RE.findall(text))
