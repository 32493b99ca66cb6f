# nianbao: every set-up step lives here, so that a fresh machine needs only `make demo` or `make test`.
# Each target installs what it needs and no more: `make demo` the program and the Debian packages checking and
# crawling use; `make test` also the development tools and the packages only the tests use (chromium, postgresql…).
# Set-up is quiet: a line saying what is being installed, then only warnings and errors.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
PIP_QUIET := --quiet --progress-bar off
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
PYTEST_WORKERS ?= 2

.PHONY: demo test check lint typecheck bench accuracy docs clean system-deps demo-packages test-packages

$(BIN)/python:
	@echo "nianbao: 正在创建 Python 虚拟环境 $(VENV)"
	@$(PYTHON) -m venv $(VENV) || { echo "nianbao: 无法创建 $(VENV)：需要 Python 3.11 及其 venv 模块（Debian/Ubuntu：apt-get install python3-venv）" >&2; exit 1; }
	@$(PIP) install $(PIP_QUIET) --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	@echo "nianbao: 正在安装 nianbao 及其依赖（首次需要几分钟）"
	@$(PIP) install $(PIP_QUIET) -e .
	@touch $@

$(DEV): pyproject.toml | $(BIN)/python
	@echo "nianbao: 正在安装 nianbao、依赖和开发工具（首次需要几分钟）"
	@$(PIP) install $(PIP_QUIET) -e '.[dev]'
	@touch $@ $(RUNTIME)

# Debian packages (deploy/system-packages.sh installs what is missing, with apt-get as root or through sudo).
demo-packages:
	@bash deploy/system-packages.sh demo

test-packages system-deps:
	@bash deploy/system-packages.sh test

demo: demo-packages $(RUNTIME)
	@$(BIN)/nianbao demo

test: test-packages $(DEV)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -q

lint: $(DEV)
	$(BIN)/ruff check documents rules monitor crawler notifications tests bench
	$(BIN)/ruff format --check documents rules monitor crawler notifications bench

typecheck: $(DEV)
	$(BIN)/mypy

check: lint typecheck test

bench: demo-packages $(DEV)
	$(BIN)/python bench/check_speed.py --write docs/performance.md
	$(BIN)/python bench/formats_speed.py --write docs/performance.md
	$(BIN)/python bench/crawl_speed.py --write docs/performance.md
	$(BIN)/python bench/service_cycle.py --write docs/performance.md
	$(BIN)/python bench/province.py --counties 50 --budget-seconds 720 --write docs/performance.md

# Precision and recall per rule on the labelled real reports of tests/fixtures/real (a benchmark, not a test).
accuracy: $(DEV)
	$(BIN)/python bench/accuracy.py --write docs/accuracy.md

docs: $(RUNTIME)
	$(BIN)/nianbao rules list --markdown > docs/rules.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
