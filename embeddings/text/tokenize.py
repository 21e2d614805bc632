"""Tokenizer for lexical matching (BM25, keyword overlap): jieba for Chinese, words for English.

Text is normalised first (`embeddings.text.normalize.normalize`). Chinese runs are segmented by a private
``jieba.Tokenizer`` in search mode (whole domain words plus their dictionary sub-words) without the
HMM, so the same string always segments the same way in queries and documents (which also lets
the segmentation of each run be remembered: runs such as "锂电池" recur across profiles). Latin runs become
lowercase words; hyphenated compounds yield their parts and the joined form; plural nouns are
reduced to singular by a light, rule-based stemmer.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from embeddings.text.normalize import normalize

_DATA_DIR = Path(__file__).parent / "data"
_HAN_RUN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_RUN_RE = re.compile(r"[a-z0-9\u00c0-\u024f]+(?:-[a-z0-9\u00c0-\u024f]+)*")
_RUN_CACHE_SIZE = 65_536  # distinct Han runs whose segmentation is remembered (a few MB)
USER_WORD_FREQ = 50_000
"""jieba frequency given to domain words: high enough that they are never split."""

# Words that look plural but are not (or whose plural rule would mangle them).
_NO_STEM_WORDS = """
mems nems cmos bicmos gps gnss bms ems hems sms ios dos qos ros sos aws gis kubernetes chaos
gas glass lens bias alias atlas canvas chassis series species news diabetes herpes measles
rabies mumps corps always perhaps thus plus various previous famous numerous
"""
_NO_STEM = frozenset(_NO_STEM_WORDS.split())
_IRREGULAR_PLURALS = {
    "gases": "gas",
    "lenses": "lens",
    "biases": "bias",
    "viruses": "virus",
    "buses": "bus",
    "campuses": "campus",
    "analyses": "analysis",
    "diagnoses": "diagnosis",
    "syntheses": "synthesis",
    "hypotheses": "hypothesis",
    "theses": "thesis",
    "prostheses": "prosthesis",
    "matrices": "matrix",
    "indices": "index",
    "vertices": "vertex",
    "caches": "cache",
    "niches": "niche",
    "leaves": "leaf",
    "women": "woman",
    "men": "man",
    "children": "child",
    "teeth": "tooth",
    "feet": "foot",
    "mice": "mouse",
}
_SINGULAR_SUFFIXES = ("ss", "us", "is", "ics", "ous", "sis")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce an English plural noun to its singular (batteries → battery, processes → process).

    Words ending in -ss/-us/-is/-ics, short words, words with digits and a list of known singulars
    (gas, lens, mems, diabetes …) are kept as they are.
    """
    if word in _IRREGULAR_PLURALS:
        return _IRREGULAR_PLURALS[word]
    if len(word) <= 3 or word in _NO_STEM or not word.isalpha() or not word.endswith("s"):
        return word
    if word.endswith(_SINGULAR_SUFFIXES):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zzes", "oes")):
        return word[:-2]
    return word[:-1]


def _read_words(path: Path) -> frozenset[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip()
        if word:
            words.add(normalize(word))
    return frozenset(words)


@lru_cache(maxsize=1)
def default_english_stopwords() -> frozenset[str]:
    """The bundled English stopword list (``embeddings/text/data/stopwords_en.txt``)."""
    return _read_words(_DATA_DIR / "stopwords_en.txt")


@lru_cache(maxsize=1)
def default_chinese_stopwords() -> frozenset[str]:
    """The bundled Chinese stopword list (``embeddings/text/data/stopwords_zh.txt``)."""
    return _read_words(_DATA_DIR / "stopwords_zh.txt")


class Tokenizer:
    """Bilingual tokenizer with a domain dictionary.

    Args:
        user_words: domain words (glossary zh terms, catalogue keywords) kept whole by jieba.
        english_stopwords: stopwords to drop; defaults to the bundled list.

    jieba is initialised lazily on the first Chinese text (loading its prefix dictionary takes
    about half a second, from a cache file in the temp directory).
    """

    def __init__(
        self, user_words: Iterable[str] = (), english_stopwords: frozenset[str] | None = None
    ) -> None:
        self.user_words = tuple(dict.fromkeys(w for w in (normalize(word) for word in user_words) if w))
        self.english_stopwords = (
            default_english_stopwords() if english_stopwords is None else english_stopwords
        )
        self.chinese_stopwords = default_chinese_stopwords()
        self._jieba: Any = None
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[str, ...]] = {}

    def _segmenter(self) -> Any:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)  # silence "Building prefix dict …" chatter
                    segmenter = jieba.Tokenizer()
                    segmenter.initialize()
                    for word in self.user_words:
                        if _HAN_RUN_RE.search(word):
                            segmenter.add_word(word, freq=USER_WORD_FREQ)
                    self._jieba = segmenter
        return self._jieba

    def tokenize(self, text: str) -> list[str]:
        """Split ``text`` into normalised tokens (Chinese words and stemmed English words)."""
        norm = normalize(text)
        tokens: list[str] = []
        position = 0
        for match in _HAN_RUN_RE.finditer(norm):
            if match.start() > position:
                self._latin_tokens(norm[position : match.start()], tokens)
            self._chinese_tokens(match.group(), tokens)
            position = match.end()
        if position < len(norm):
            self._latin_tokens(norm[position:], tokens)
        return tokens

    def __call__(self, text: str) -> list[str]:
        return self.tokenize(text)

    def _chinese_tokens(self, run: str, out: list[str]) -> None:
        words = self._runs.get(run)
        if words is None:
            stopwords = self.chinese_stopwords
            segmented = self._segmenter().cut_for_search(run, HMM=False)
            words = tuple(word for word in segmented if word not in stopwords)
            if len(self._runs) >= _RUN_CACHE_SIZE:
                self._runs.clear()  # simple bound; the runs that matter come back at once
            self._runs[run] = words
        out.extend(words)

    def _latin_tokens(self, chunk: str, out: list[str]) -> None:
        stopwords = self.english_stopwords
        for match in _LATIN_RUN_RE.finditer(chunk):
            compound = match.group()
            if "-" not in compound:
                if compound not in stopwords:
                    out.append(stem(compound))
                continue
            parts = compound.split("-")
            out.extend(stem(part) for part in parts if part not in stopwords)
            out.append("-".join((*parts[:-1], stem(parts[-1]))))
