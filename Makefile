# make install — the virtual environment with the project (.venv)
# make run     — migrate SQLite, import the seeds, demo accounts and the demo plan (a few months of
#                reporting, DEBUG only), serve on 127.0.0.1:8000 (make run PORT=8001 when it is taken)
# make test    — checks, lint and the whole test suite (SQLite, or the database DATABASE_URL names)
# make serve   — gunicorn (gunicorn.conf.py) with DEBUG off on DATABASE_URL (docs/DEPLOY.md)
# make loadtest — 50 users for 60 s against gunicorn + PostgreSQL (bench/load/, docs/PERFORMANCE.md)
# make apicheck — schemathesis against the API's schema on a live server (scripts/api-check)
# make bench   — screens, exports and budgets at 200 and 20,000 measures on SQLite and PostgreSQL
SHELL := /bin/bash
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check
PORT ?= 8000

.PHONY: install dev run test lint format migrations-check messages screenshots clean \
	serve loadtest loadtest-restart bench apicheck

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "No Python 3.12+ found; run: make PYTHON=/path/to/python3.12"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	@touch $@

$(VENV)/.bench-installed: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[bench]'
	@touch $@

install: $(VENV)/.installed

dev: $(VENV)/.dev-installed

# Every step can run again and changes nothing then. create_demo_plan refuses (and changes
# nothing) on a database that holds real data; the server starts all the same.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_seeds
	$(BIN)/python manage.py create_demo_users
	-$(BIN)/python manage.py create_demo_plan
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: dev
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

apicheck: dev
	bash scripts/api-check

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

# A server: gunicorn with DEBUG off. It needs the secret key, the host names and the database,
# and neither migrates nor creates anyone: run `manage.py migrate` first (a deploy step); it
# refuses to start while migrations are unapplied. collectstatic is cheap and touches no data, so
# it runs here (WhiteNoise serves STATIC_ROOT). Database connections are kept 60 s
# (DJANGO_CONN_MAX_AGE, health-checked). Trying it over plain HTTP on this machine:
#   DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_SESSION_COOKIE_SECURE=0 DJANGO_CSRF_COOKIE_SECURE=0
serve: install
	@missing=""; for name in DJANGO_SECRET_KEY DJANGO_ALLOWED_HOSTS DATABASE_URL; do \
	    [ -n "$${!name}" ] || missing="$$missing $$name"; done; \
	if [ -n "$$missing" ]; then \
	    echo "make serve: set$$missing (see docs/DEPLOY.md), for example:"; \
	    echo "  export DJANGO_SECRET_KEY=\"\$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')\""; \
	    echo "  export DJANGO_ALLOWED_HOSTS=tasks.example.org"; \
	    echo "  export DATABASE_URL=postgres://unionreform:secret@127.0.0.1:5432/unionreform"; \
	    exit 1; fi
	DJANGO_DEBUG=0 $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@DJANGO_DEBUG=0 $(BIN)/python manage.py migrate --check >/dev/null || { \
	    echo "make serve: the database is unreachable (above) or has unapplied migrations;"; \
	    echo "  migrating is a deploy step: DJANGO_DEBUG=0 $(BIN)/python manage.py migrate"; exit 1; }
	DJANGO_DEBUG=0 DJANGO_CONN_MAX_AGE=$${DJANGO_CONN_MAX_AGE:-60} exec $(BIN)/gunicorn -c gunicorn.conf.py

# The load test on this machine's PostgreSQL (127.0.0.1, database unionreform_load, made and
# kept for the next run): 50 logged-in users for 60 s on the dashboard, the task book and the
# report form. loadtest-restart restarts PostgreSQL in the middle (it briefly disconnects every
# other user of that server) and checks that no acknowledged report was lost.
loadtest: $(VENV)/.bench-installed
	$(BIN)/python bench/load/run.py

loadtest-restart: $(VENV)/.bench-installed
	$(BIN)/python bench/load/run.py --restart-postgres

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# The benchmark: fresh databases filled by generate_demo (SQLite, and PostgreSQL on 127.0.0.1 in a
# database unionreform_bench it creates and drops); writes docs/PERFORMANCE.md; exits 1 when a
# budget is broken. About ten minutes.
bench: install
	$(BIN)/python bench/run.py
