"""Name and affiliation similarity for finding duplicate expert profiles.

Chinese names are romanised with pypinyin so "张伟", "Wei Zhang" and "Zhang Wei" compare equal;
two names both written in Chinese are compared by (simplified) characters, because their order
is fixed and same-sounding characters usually mean a different person.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from embeddings.text.normalize import to_simplified

HOMOPHONE_FACTOR = 0.8
"""Name similarity of two Chinese names that sound alike but use different characters."""

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_SPLIT = re.compile(r"[\s,]+")
_LATIN_DROP = re.compile(r"[^a-z\s,]")
# Words shared by many affiliations; they say nothing about which one it is.
_GENERIC_WORDS = frozenset(
    """
    university univ universitat universite universidad college institute inst institut school
    department dept faculty of the and for at de der und la le laboratory lab labs center centre
    research national academy sciences science inc ltd llc co corp corporation company gmbh hospital
    """.split()  # noqa: SIM905 - a word list reads better as text
)
_CJK_GENERIC = re.compile(
    "|".join(["大学", "大學", "学院", "學院", "研究所", "研究院", "研究中心", "中心"])
    + "|"
    + "|".join(["实验室", "實驗室", "有限公司", "公司", "医院", "醫院"])
)


@dataclass(frozen=True)
class NameForms:
    """Precomputed comparison forms of one written name."""

    han: str
    """Simplified Chinese characters of the name ("" for a Latin name)."""
    pinyin: str
    """Surname-first pinyin of ``han``."""
    spellings: frozenset[str]
    """Romanised spellings in both orders, lower-case ASCII, no spaces."""


def _ascii_fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


@lru_cache(maxsize=50_000)
def _char_pinyin(char: str) -> str:
    # Per character, cached: names are short and repeat the same few thousand characters.
    return _ascii_fold(lazy_pinyin(char, v_to_u=True)[0])


def _syllables(han: str) -> list[str]:
    return [_char_pinyin(char) for char in han]


def _token_lists(name: str, han: str) -> list[list[str]]:
    """Token lists (surname/given parts) for one written name."""
    if han:
        syllables = _syllables(han)
        # Surname of one character, or two for compound surnames (欧阳, 司马 …).
        splits = [1, 2] if len(syllables) >= 3 else [1]
        return [["".join(syllables[:k]), "".join(syllables[k:])] for k in splits]
    # Hyphens and apostrophes join parts of a given name: "Xiao-Ming" = "Xiaoming".
    cleaned = _LATIN_DROP.sub("", _ascii_fold(name).replace("-", "").replace("'", ""))
    tokens = [t for t in _LATIN_SPLIT.split(cleaned) if t]
    without_initials = [t for t in tokens if len(t) > 1]
    lists = [tokens]
    if without_initials and without_initials != tokens:
        lists.append(without_initials)
    return [t for t in lists if t]


@lru_cache(maxsize=200_000)
def name_forms(written: str) -> NameForms:
    """Comparison forms of a written name (cached: the same names recur across profiles)."""
    han = "".join(CJK.findall(to_simplified(written))) if CJK.search(written) else ""
    spellings: set[str] = set()
    for tokens in _token_lists(written, han):
        spellings.add("".join(tokens))
        if len(tokens) > 1:
            spellings.add("".join(tokens[-1:] + tokens[:-1]))
            spellings.add("".join(tokens[1:] + tokens[:1]))
    pinyin = "".join(_syllables(han))
    return NameForms(han=han, pinyin=pinyin, spellings=frozenset(spellings))


def written_similarity(left: NameForms, right: NameForms) -> float:
    """Similarity (0–1) of two written names."""
    if left.han and right.han:
        if left.han == right.han:
            return 1.0
        return HOMOPHONE_FACTOR * fuzz.ratio(left.pinyin, right.pinyin) / 100.0
    # Latin on at least one side: the order of surname and given name is unknown.
    return max(
        (fuzz.ratio(x, y) / 100.0 for x in left.spellings for y in right.spellings),
        default=0.0,
    )


@lru_cache(maxsize=200_000)
def affiliation_core(text: str) -> str:
    """Affiliation without generic words, so "Stanford University" ≉ "Harvard University"."""
    folded = _CJK_GENERIC.sub(" ", unicodedata.normalize("NFKC", text))
    tokens = default_process(folded).split()
    return " ".join(t for t in tokens if t not in _GENERIC_WORDS)


def affiliation_text_similarity(left: str, right: str) -> float:
    """Similarity (0–1) of the distinctive words of two affiliations.

    Token-set similarity treats "Stanford University" and "Dept. of EE, Stanford University" as
    equal; raw scores up to 0.5 (chance overlap of short names) are mapped to 0.
    """
    left_core, right_core = affiliation_core(left), affiliation_core(right)
    if not left_core or not right_core:
        return 1.0 if left_core == right_core else 0.0
    raw = fuzz.token_set_ratio(left_core, right_core) / 100.0
    return max(0.0, (raw - 0.5) / 0.5)
