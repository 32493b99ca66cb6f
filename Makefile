# nianbao: every set-up step lives here, so that a fresh machine needs only `make demo` or `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: demo test check lint typecheck bench accuracy docs clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages (LibreOffice, fonts, …): deploy/system-packages.sh installs what is missing.
system-deps:
	@bash deploy/system-packages.sh

demo: $(STAMP) system-deps
	$(BIN)/nianbao demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

lint: $(STAMP)
	$(BIN)/ruff check documents rules monitor crawler notifications tests bench
	$(BIN)/ruff format --check documents rules monitor crawler notifications bench

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

bench: $(STAMP) system-deps
	$(BIN)/python bench/check_speed.py --write docs/performance.md
	$(BIN)/python bench/formats_speed.py --write docs/performance.md
	$(BIN)/python bench/crawl_speed.py --write docs/performance.md
	$(BIN)/python bench/service_cycle.py --write docs/performance.md

# Precision and recall per rule on the labelled real reports of tests/fixtures/real (a benchmark, not a test).
accuracy: $(STAMP)
	$(BIN)/python bench/accuracy.py --write docs/accuracy.md

docs: $(STAMP)
	$(BIN)/nianbao rules list --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
