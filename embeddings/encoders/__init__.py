"""Text encoders behind one :class:`Encoder` protocol, and :func:`create_encoder` to pick one by name.

Importing this package is cheap: USE weights and torch load only when an encoder is first used.
"""

from __future__ import annotations

from typing import Any

from embeddings.encoders.base import Encoder, l2_normalise

__all__ = ["ENCODER_SPECS", "Encoder", "create_encoder", "l2_normalise"]

ENCODER_SPECS = ("use", "st:<model path or name>", "sentence-transformers:<model path or name>")


def create_encoder(spec: str = "use", **kwargs: Any) -> Encoder:
    """Build an encoder from a short spec.

    Args:
        spec: ``"use"`` (default, USE multilingual v3), ``"st:<path-or-name>"`` or
            ``"sentence-transformers:<path-or-name>"``.
        **kwargs: Passed to the encoder class (e.g. ``threads`` for USE, ``device`` for st).

    Returns:
        The encoder (its model loads lazily).

    Raises:
        ValueError: For an unknown spec or a missing model path.
    """
    cleaned = spec.strip()
    if cleaned.lower() == "use":
        from embeddings.encoders.use import USEEncoder

        return USEEncoder(**kwargs)
    for prefix in ("st:", "sentence-transformers:"):
        if cleaned.lower().startswith(prefix):
            model = cleaned[len(prefix) :].strip()
            if not model:
                raise ValueError(f"encoder spec {spec!r} names no model: use e.g. 'st:/path/to/model'")
            from embeddings.encoders.sentence_transformers import SentenceTransformerEncoder

            return SentenceTransformerEncoder(model, **kwargs)
    raise ValueError(f"unknown encoder spec {spec!r}; options: {', '.join(ENCODER_SPECS)}")
