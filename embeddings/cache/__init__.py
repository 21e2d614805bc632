"""The persistent embedding cache: (encoder, query/document, text hash) → vector, checkpointed in segments."""
