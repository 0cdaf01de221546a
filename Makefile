# Two commands for a fresh machine with only Python 3.11: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: install run test bench lint format migrations-check

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Migrates, loads the demo data, then serves web + Celery worker + beat until Ctrl-C.
run: install
	DJANGO_DEBUG=1 PORT=$(PORT) $(BIN)/python -m config.run

# Two pytest-xdist workers: the suite in ~6 minutes instead of ~18 serially on the embedded PostgreSQL
# (each worker gets its own test database). `make test PYTEST_ARGS=` runs it in one process.
PYTEST_ARGS ?= -n 2

test: install
	@if [ -n "$$DATABASE_ADMIN_URL" ] && [ -n "$$DATABASE_URL" ]; then $(BIN)/python manage.py setup_database; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m pip install --quiet ".[bench]"
	$(BIN)/python bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
