"""Validated domain records, their text rules and country codes."""
