# Haizhi Match — two commands on a fresh machine:
#   make run   create .venv, load the bundled demo data into ./var (SQLite + index files), build the
#              indexes, match every demo demand (var/matches.jsonl) and print the evaluation
#   make test  lint (ruff), type-check (mypy), check the import contracts (lint-imports) and run the whole
#              test suite (PostgreSQL started if possible)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(BIN)/.installed-dev: pyproject.toml $(BIN)/.installed
	$(BIN)/pip install --quiet -e ".[dev,st,ray]"
	touch $@

run: $(BIN)/.installed
	$(BIN)/haizhi demo --data-dir var
	$(BIN)/haizhi serve --data-dir var

test: $(BIN)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	. scripts/test-services.sh && $(BIN)/pytest -q -n 2

bench: $(BIN)/.installed
	$(BIN)/haizhi bench --sizes 10000,100000 --index-kind flat,hnsw --out reports

clean:
	rm -rf var reports .pytest_cache .mypy_cache .ruff_cache
