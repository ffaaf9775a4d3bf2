# Set-up and entry points. Every target creates what it needs on a fresh machine.
VENV    ?= .venv
PYTHON  ?= python3
BIN     := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# Dagster stores a run's asset events in batches (planned events, one output's partitions) instead of
# one write each; deploy/dagster.dev.yaml's event log writes a batch in one transaction.
export DAGSTER_EVENT_BATCH_SIZE ?= 1000

.PHONY: setup demo test dev bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

node_modules/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

setup: $(BIN)/.installed $(if $(wildcard package.json),node_modules/.installed)
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp deploy/dagster.dev.yaml $(DAGSTER_HOME)/dagster.yaml

demo: setup
	$(BIN)/pipelines demo

test: setup
	$(BIN)/pytest -q

bench: setup  # ratios against limits measured in the same run; BENCH_ARGS=--quick for a smoke run
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

dev: setup
	$(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf $(VENV) node_modules data .dagster_home
