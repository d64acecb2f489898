# Mộtcửa — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-test lint format serve worker schema messages clean

$(BIN)/python:
	@scripts/make-venv.sh "$(PYTHON)" "$(VENV)"

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/pip check
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make demo: install, migrate, load a demo province, serve on http://127.0.0.1:8000 (SQLite).
demo: install
	@scripts/system-deps.sh demo
	DEBUG=1 $(BIN)/motcua demo
	DEBUG=1 $(BIN)/motcua serve --host $(HOST) --port $(PORT)

## make test: install what the tests need and run every test (PostgreSQL if DATABASE_URL is set).
test: install-test
	@scripts/system-deps.sh test
	@if [ -n "$$DATABASE_URL" ]; then echo "make test: database PostgreSQL ($${DATABASE_URL%%\?*})"; \
	  else echo "make test: DATABASE_URL is not set — running on SQLite (CI runs on PostgreSQL)"; fi
	$(BIN)/ruff check motcua tests bench
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check motcua tests bench
	$(BIN)/ruff format --check motcua tests bench

format: install-test
	$(BIN)/ruff check --fix motcua tests bench
	$(BIN)/ruff format motcua tests bench

serve: install
	$(BIN)/motcua serve --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/motcua worker

schema: install
	$(BIN)/motcua spectacular --validate --file docs/openapi.yaml

messages: install
	cd motcua && DEBUG=1 ../$(BIN)/django-admin makemessages -l en --settings=motcua.settings --pythonpath=.. --no-obsolete
	cd motcua && DEBUG=1 ../$(BIN)/django-admin compilemessages --settings=motcua.settings --pythonpath=..

clean:
	rm -rf $(VENV) var *.egg-info
