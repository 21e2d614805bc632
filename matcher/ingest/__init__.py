"""Reading and writing record files (CSV/TSV, XLSX, JSONL): the import and export both the API and the
CLI use.
"""
