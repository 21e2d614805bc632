"""Duplicate expert profiles: name and affiliation similarity, finding and merging duplicates."""
