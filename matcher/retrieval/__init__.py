"""Candidate retrieval: analysed profiles, one collection's indexes and corpus, hybrid dense + lexical
search, fusion.
"""
