"""Fast seeded draws and text helpers for the demo generator.

Draws use only ``rng.random()``: ``random.choice/sample/choices`` dominated the 100k-expert benchmark.
"""

from __future__ import annotations

import bisect
import itertools
import random
import unicodedata
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TypeVar

import opencc

T = TypeVar("T")


def pick(rng: random.Random, items: Sequence[T]) -> T:
    return items[int(rng.random() * len(items))]


def between(rng: random.Random, low: int, high: int) -> int:
    return low + int(rng.random() * (high - low + 1))


def subset(rng: random.Random, items: Sequence[T], count: int) -> list[T]:
    """``count`` distinct items in random order (partial Fisher–Yates)."""
    pool = list(items)
    size = len(pool)
    for i in range(count):
        j = i + int(rng.random() * (size - i))
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def weighted_table(weights: Mapping[T, float]) -> tuple[list[T], list[float]]:
    keys = list(weights)
    return keys, list(itertools.accumulate(weights.values()))


def pick_weighted(rng: random.Random, table: tuple[list[T], list[float]]) -> T:
    keys, cumulative = table
    return keys[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


@lru_cache(maxsize=4)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def to_traditional(text: str, country: str) -> str:
    """Convert simplified Chinese to the traditional variant used in ``country`` (HK, TW, else generic)."""
    config = {"HK": "s2hk", "MO": "s2hk", "TW": "s2tw"}.get(country, "s2t")
    return str(_converter(config).convert(text))


@lru_cache(maxsize=16384)
def to_traditional_cached(text: str, country: str) -> str:
    """Cached conversion for the small vocabulary of names, labels, keywords and affiliations."""
    return to_traditional(text, country)


@lru_cache(maxsize=4096)
def ascii_slug(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if ch.isascii() and ch.isalnum()).lower()


def orcid_with_checksum(rng: random.Random) -> str:
    """A random ORCID iD with a valid ISO 7064 11,2 check character."""
    digits = [int(ch) for ch in f"{rng.randrange(10**15):015d}"]
    total = 0
    for digit in digits:
        total = (total + digit) * 2
    check = (12 - total % 11) % 11
    text = "".join(map(str, digits)) + ("X" if check == 10 else str(check))
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))
