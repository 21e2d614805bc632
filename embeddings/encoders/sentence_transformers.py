"""Encoders backed by sentence-transformers (optional ``[st]`` extra: torch + sentence-transformers).

This is the only module importing ``sentence_transformers``; it does so lazily, so the default install
(USE only, no torch) can import :mod:`embeddings.encoders` freely.

A model reads its first ``max_seq_length`` tokens and truncates the rest itself, but only after its
tokenizer has read the whole text (~1 s for 300k Chinese characters): texts are cut to a prefix that
still holds those tokens first (`truncate_to_tokens`), so the vectors are the same and the cost bounded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.encoders.base import check_texts, encode_in_batches, truncate_to_tokens

__all__ = ["SentenceTransformerEncoder"]

# Small files that define what the model computes; their bytes (plus the weights' size) key the id.
_CONFIG_FILES = (
    "config.json",
    "modules.json",
    "config_sentence_transformers.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    "tokenizer_config.json",
)
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _import_sentence_transformers() -> Any:
    try:
        import sentence_transformers
    except ImportError as error:  # torch missing, or the package itself
        raise ImportError(
            "SentenceTransformerEncoder needs torch and sentence-transformers: install the [st] extra, "
            "e.g. `pip install 'haizhi-match[st]'`"
        ) from error
    return sentence_transformers


class SentenceTransformerEncoder:
    """A sentence-transformers model (local directory or cached hub name), loaded on first use.

    Args:
        model_name_or_path: Local model directory (works offline) or a model name already in the cache.
        device: Torch device, e.g. ``"cpu"``.
        query_prompt_name: Prompt name from the model config used for queries (default: the model's
            ``"query"`` prompt if it has one).
        document_prompt_name: Prompt name used for documents (default: the model's ``"document"`` prompt).
        threads: Torch CPU threads (process-wide); None leaves torch's default.
    """

    def __init__(
        self,
        model_name_or_path: str,
        device: str = "cpu",
        query_prompt_name: str | None = None,
        document_prompt_name: str | None = None,
        threads: int | None = None,
    ) -> None:
        if not model_name_or_path:
            raise ValueError("SentenceTransformerEncoder: model_name_or_path is empty")
        self.model_name_or_path = str(model_name_or_path)
        self.device = device
        self.query_prompt_name = query_prompt_name
        self.document_prompt_name = document_prompt_name
        self.threads = threads
        self._model: Any = None
        self._id: str | None = None
        self._lock = threading.Lock()

    @property
    def id(self) -> str:
        """``"st:<model name>@<hash>"``, the hash covering config files, weights size and prompts."""
        if self._id is None:
            self._id = self._compute_id()
        return self._id

    def _compute_id(self) -> str:
        path = Path(self.model_name_or_path).expanduser()
        digest = hashlib.blake2b(digest_size=4)
        digest.update(f"{self.query_prompt_name}|{self.document_prompt_name}".encode())
        if path.is_dir():
            name = path.resolve().name
            for relative in _CONFIG_FILES:
                file = path / relative
                if file.is_file():
                    digest.update(relative.encode() + b"\0" + file.read_bytes())
            for relative in _WEIGHT_FILES:
                file = path / relative
                if file.is_file():
                    # Size, not content: hashing hundreds of MB on every start is not cheap.
                    digest.update(f"{relative}:{file.stat().st_size}".encode())
        else:
            name = self.model_name_or_path.rstrip("/").rsplit("/", 1)[-1]
        return f"st:{name}@{digest.hexdigest()}"

    def _get_model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    module = _import_sentence_transformers()
                    if self.threads:
                        import torch  # present whenever sentence-transformers is

                        torch.set_num_threads(self.threads)
                    try:
                        self._model = module.SentenceTransformer(self.model_name_or_path, device=self.device)
                    except OSError as error:
                        raise OSError(
                            f"cannot load sentence-transformers model {self.model_name_or_path!r}: "
                            "give a local model directory (downloads are not allowed at run time)"
                        ) from error
        return self._model

    @property
    def dim(self) -> int:
        """Vector dimension (loads the model)."""
        model = self._get_model()
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimension = getter()
        if dimension is None:
            raise ValueError(f"model {self.model_name_or_path!r} does not report its embedding dimension")
        return int(dimension)

    def _count_tokens(self, text: str) -> int:
        tokenizer = self._get_model().tokenizer
        # no special tokens: they take positions too, so counting without them keeps the cut safe
        return len(tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def truncate(self, text: str) -> str:
        """The part of ``text`` the model reads: a prefix holding its first ``max_seq_length`` tokens."""
        limit = self._get_model().max_seq_length
        if not limit:
            return text  # a model without a limit reads everything
        # one character per token is the fewest (a CJK character is a token, English ~4 characters)
        return truncate_to_tokens(text, int(limit), self._count_tokens, chars_per_token=1.0)

    def _encode(self, texts: Sequence[str], *, kind: str, batch_size: int, show_progress: bool) -> np.ndarray:
        items = [self.truncate(text) for text in check_texts(texts, "SentenceTransformerEncoder")]
        model = self._get_model()
        method = model.encode_query if kind == "query" else model.encode_document
        prompt_name = self.query_prompt_name if kind == "query" else self.document_prompt_name

        def encode_batch(batch: list[str]) -> np.ndarray:
            return np.asarray(
                method(
                    batch,
                    prompt_name=prompt_name,
                    batch_size=batch_size,
                    show_progress_bar=False,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                ),
                dtype=np.float32,
            )

        return encode_in_batches(
            encode_batch,
            items,
            dim=self.dim,
            batch_size=batch_size,
            show_progress=show_progress,
            description=f"{self.id} {kind} embeddings",
        )

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed queries with ``model.encode_query``; float32 ``(n, dim)`` unit vectors."""
        return self._encode(texts, kind="query", batch_size=batch_size, show_progress=show_progress)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        """Embed documents with ``model.encode_document``; float32 ``(n, dim)`` unit vectors."""
        return self._encode(texts, kind="document", batch_size=batch_size, show_progress=show_progress)

    def __repr__(self) -> str:
        return f"SentenceTransformerEncoder({self.model_name_or_path!r}, device={self.device!r})"
