# Pulse developer commands. Every target creates .venv and installs what it needs when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt bench install clean typecheck

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# `make run` serves the guide's example agent (examples/agents/my_agent.py) unless told otherwise.
run: export LOCAL_AGENT_PATH ?= $(CURDIR)/examples/agents
run: $(STAMP)  ## start Pulse on http://localhost:8000 with SQLite in ./pulse-data
	$(BIN)/pulse serve

test: $(STAMP)  ## run the whole test suite
	$(BIN)/pytest

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)  ## print the performance figures (see bench/README.md)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

typecheck: $(STAMP)  ## mypy --strict on domain, timespec, store and ui
	$(BIN)/mypy
