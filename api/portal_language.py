"""Languages of the expert page: which language an expert reads, and the page's strings in it.

Simplified Chinese, traditional Chinese (OpenCC: Hong Kong / Macao phrasing for HK and MO, Taiwan
phrasing otherwise) and English; the strings live in ``api/static/expert.strings.json``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request

from matcher.domain.records import Expert

STATIC_DIR = Path(__file__).resolve().parent / "static"
LANGUAGES = ("zh", "zh-Hant", "en")
TRADITIONAL_COUNTRIES = frozenset({"HK", "MO", "TW"})


@lru_cache(maxsize=1)
def _base_strings() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((STATIC_DIR / "expert.strings.json").read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=4)
def strings_for(language: str, country: str | None = None) -> dict[str, str]:
    """UI strings of ``language``; zh-Hant is the simplified text converted by OpenCC (HK/MO phrasing
    for Hong Kong and Macau, Taiwan phrasing otherwise), with the cooperation-mode labels as
    ``mode_<code>``."""
    base = _base_strings()
    source = "en" if language == "en" else "zh"
    table = {**base[source], **{f"mode_{k}": v for k, v in base["modes"][source].items()}}
    if language == "zh-Hant":
        table = {key: to_traditional(value, country) for key, value in table.items()}
        table["html_lang"] = "zh-HK" if country in ("HK", "MO") else "zh-TW"
    return table


def to_traditional(text: str, country: str | None = None) -> str:
    """Simplified → traditional Chinese (OpenCC s2hk for HK/MO, s2twp otherwise)."""
    if not text:
        return text
    return str(_converter("s2hk" if country in ("HK", "MO") else "s2twp").convert(text))


@lru_cache(maxsize=2)
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def expert_language(expert: Expert) -> str:
    """The page language of an expert: the first of their languages that is Chinese or English
    (Chinese → traditional for Hong Kong, Macau and Taiwan), else by country (CN → zh, else en)."""
    for language in expert.languages:
        code = language.lower()
        if code in ("zh-hant", "zh-tw", "zh-hk", "yue"):
            return "zh-Hant"
        if code.startswith("zh"):
            return "zh-Hant" if expert.country in TRADITIONAL_COUNTRIES else "zh"
        if code.startswith("en"):
            return "en"
    if expert.country in TRADITIONAL_COUNTRIES:
        return "zh-Hant"
    return "zh" if expert.country == "CN" else "en"


def requested_language(request: Request) -> str | None:
    """``?lang=`` when it names a page language, else None."""
    value = request.query_params.get("lang")
    return value if value in LANGUAGES else None


def browser_language(request: Request) -> str:
    """The page language from ``Accept-Language`` (when no expert is known), Chinese by default."""
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith(("zh-tw", "zh-hk", "zh-mo", "zh-hant")):
            return "zh-Hant"
        if code.startswith("zh"):
            return "zh"
        if code.startswith("en"):
            return "en"
    return "zh"


def mode_codes() -> list[str]:
    """The cooperation-mode codes the page offers, in display order."""
    return list(_base_strings()["modes"]["en"])
