# make install — the virtual environment with the project (.venv)
# make run     — migrate SQLite, import the seeds, create demo accounts, serve on 127.0.0.1:8000
# make test    — checks, lint and the whole test suite (SQLite, or the database DATABASE_URL names)
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: install dev run test lint format migrations-check messages screenshots clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No Python 3.12+ found; run: make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_seeds
	$(BIN)/python manage.py create_demo_users
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: dev
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

# Refresh the catalogues after changing user-facing text; commit the .po and .mo files.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --locale en --ignore '.venv/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

# The README's screenshots of every screen, taken by the browser tests (needs Chromium).
screenshots: dev
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q tests/browser

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
