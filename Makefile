# Mộtcửa — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test install install-test axe lint format serve worker schema messages clean

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

# axe-core for the browser tests' accessibility checks (tests/e2e, docs/e2e.md), fetched once
# with the npm client (`npm pack`: the package tarball, no node_modules), checked against its
# pinned SHA-256 and unpacked into var/npm/ (git-ignored). tests/e2e/conftest.py names the same
# version (AXE_VERSION): change both together.
AXE_VERSION := 4.14.1
AXE_SHA256 := e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745
AXE_JS := var/npm/axe-core-$(AXE_VERSION)/axe.min.js

$(AXE_JS):
	@scripts/system-deps.sh test
	@mkdir -p $(@D)
	cd $(@D) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null \
	  && echo "$(AXE_SHA256)  axe-core-$(AXE_VERSION).tgz" | sha256sum --check --quiet \
	  && tar -xzf axe-core-$(AXE_VERSION).tgz --strip-components=1 package/axe.min.js package/LICENSE \
	  && rm axe-core-$(AXE_VERSION).tgz
	@touch $@

axe: $(AXE_JS)

## make demo: install, migrate, load a demo province, serve on http://127.0.0.1:8000 (SQLite).
demo: install
	@scripts/system-deps.sh demo
	DEBUG=1 $(BIN)/motcua demo
	DEBUG=1 $(BIN)/motcua serve --host $(HOST) --port $(PORT)

## make test: install what the tests need and run every test (PostgreSQL if DATABASE_URL is set).
test: install-test $(AXE_JS)
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
