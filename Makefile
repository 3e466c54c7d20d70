# One entry point. `make demo` runs the main job; `make test` runs every test.
# Both install what is missing first: `make demo` a Python venv (from the hashed lock), Java +
# Maven (Debian) and the Kafka jars; `make test` also Debian's prometheus (server + promtool,
# service left disabled), Go, the test schema registry and helm + kubernetes-validate +
# checkov (in ~/.cache).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Locked with hashes (make lock): every package, the build backend included, is checked.
LOCK := requirements/dev.txt

.PHONY: help setup setup-test test chaos lint typecheck audit lock unit demo replay bench broker-start broker-stop broker-status topics clean

help:
	@echo "make demo      local broker, worker, gateways and simulator on one screen; plays 30"
	@echo "               simulated days (~1.5 min) then prints a summary; Ctrl-C stops earlier"
	@echo "make test      lint, type-check, audit and run every test, the chaos suite included"
	@echo "               (starts its own brokers and registry)"
	@echo "make chaos     only the chaos suite (kills, broker faults, rebalances)"
	@echo "make replay    replay simulated days offline (no Kafka) and print the report"
	@echo "make bench     benchmarks on the local broker, full sizes (prints a table; long)"
	@echo "make audit     check the locked dependencies for known vulnerabilities (part of test)"
	@echo "make lock      re-resolve requirements/*.txt (with hashes) from pyproject.toml"
	@echo "make broker-start | broker-stop | broker-status | topics"

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

setup: $(STAMP)
	@bash deploy/install-system.sh kafka
	@deploy/local/kafka.sh install

setup-test: setup
	@bash deploy/install-system.sh prometheus go
	@deploy/local/registry.sh install
	@deploy/helm/tools.sh install

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

audit: $(STAMP)
	$(BIN)/python -m tools.audit_deps requirements/runtime.txt $(LOCK)

lock: $(STAMP)
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements/runtime.txt pyproject.toml requirements/runtime.in
	$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --extra dev -o $(LOCK) pyproject.toml requirements/dev.in

test: setup-test lint typecheck audit
	$(BIN)/pytest -q

chaos: setup
	$(BIN)/pytest -q tests/chaos

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

demo: setup
	$(BIN)/collectctl demo

replay: $(STAMP)
	$(BIN)/collectctl replay --days 90

bench: setup
	deploy/local/kafka.sh start
	$(BIN)/python -m bench

broker-start: setup
	deploy/local/kafka.sh start

broker-stop:
	deploy/local/kafka.sh stop

broker-status:
	deploy/local/kafka.sh status

topics: setup
	COLLECTIONS_REPLICATION_FACTOR=1 $(BIN)/collectctl topics create

clean:
	rm -rf $(VENV) .state .mypy_cache .ruff_cache .pytest_cache
