"""Lexical indexes (BM25) over pre-tokenised documents: a small base interface, a factory, one file per
backend.
"""
