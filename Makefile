# 综治中心工作台 — the two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= $(CURDIR)/.demo/demo.sqlite3

.PHONY: run test lint format demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $(STAMP)

# Opens the GUI on a demo database kept apart from any real one (created with demo data on first use).
run: $(STAMP)
	@mkdir -p $(dir $(DEMO_DB))
	@test -f $(DEMO_DB) || $(BIN)/zongzhi demo --db $(DEMO_DB) --matters 300
	$(BIN)/zongzhi --db $(DEMO_DB) --demo-login

test: $(STAMP)
	$(BIN)/ruff check app tests benchmarks
	$(BIN)/ruff format --check app tests benchmarks
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check app tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format app tests benchmarks
	$(BIN)/ruff check --fix app tests benchmarks

bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/bench_reception.py

clean:
	rm -rf $(VENV) .demo build *.egg-info
