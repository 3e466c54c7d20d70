# One entry point. `make demo` runs the main job; `make test` runs every test.
# Both install what is missing first: `make demo` a Python venv, Java + Maven (Debian) and the
# Kafka jars; `make test` also Debian's prometheus (server + promtool, service left disabled),
# Go, the test schema registry and helm + kubernetes-validate + checkov (in ~/.cache).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help setup setup-test test lint typecheck unit demo replay bench broker-start broker-stop broker-status topics clean

help:
	@echo "make demo      local broker, worker, gateways and simulator on one screen; plays 30"
	@echo "               simulated days (~1.5 min) then prints a summary; Ctrl-C stops earlier"
	@echo "make test      lint, type-check and run every test (starts its own broker and registry)"
	@echo "make replay    replay simulated days offline (no Kafka) and print the report"
	@echo "make bench     benchmarks on the local broker, full sizes (prints a table; long)"
	@echo "make broker-start | broker-stop | broker-status | topics"

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
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

test: setup-test lint typecheck
	$(BIN)/pytest -q

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit tests/agents

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
	$(BIN)/collectctl topics create

clean:
	rm -rf $(VENV) .state .mypy_cache .ruff_cache .pytest_cache
