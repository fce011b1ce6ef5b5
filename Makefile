# Two commands for a fresh machine: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
DEMO_PASSWORD ?= vzorov-demo-2026
HOST ?= 127.0.0.1
PORT ?= 5000
# Jobs run in a thread of the `flask run` process unless told otherwise (e.g. JOBS_BACKEND=rq with a worker).
JOBS_BACKEND ?= local
export FLASK_APP := wsgi

.PHONY: run test install test-sqlite test-postgres services chromium fonts translations assets lint clean bench bench-load

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed translations fonts

translations: $(BIN)/.installed
	$(BIN)/flask translate compile >/dev/null

## Set everything up and serve the portal on SQLite with demo data.
run: install
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --password '$(DEMO_PASSWORD)'
	@echo
	@echo "  Portal: http://$(HOST):$(PORT)/   (sign in with an address above and the password '$(DEMO_PASSWORD)')"
	@echo "  Background jobs (imports) run in a worker thread of this process: no Redis needed."
	@echo
	JOBS_BACKEND=$(JOBS_BACKEND) $(BIN)/flask run --host $(HOST) --port $(PORT)

## Set everything up and run the whole suite on SQLite, then on PostgreSQL (with the browser tests).
test: install services chromium
	$(BIN)/ruff check .
	$(BIN)/pytest -q -p no:cacheprovider
	DATABASE_URL='$(PG_URL)' $(BIN)/pytest -q -p no:cacheprovider

test-sqlite: install
	$(BIN)/pytest -q

test-postgres: install services
	DATABASE_URL='$(PG_URL)' $(BIN)/pytest -q

services:
	@bash scripts/ensure-services.sh

chromium:
	@bash scripts/ensure-chromium.sh

## PDF exports need DejaVu fonts for Czech diacritics.
fonts:
	@bash scripts/ensure-fonts.sh

assets:
	npm install --no-audit --no-fund
	cp node_modules/@picocss/pico/css/pico.min.css portal/static/vendor/pico.min.css
	cp node_modules/@picocss/pico/LICENSE.md portal/static/vendor/pico.LICENSE.md
	cp node_modules/axe-core/axe.min.js tests/vendor/axe.min.js
	cp node_modules/axe-core/LICENSE tests/vendor/axe-core.LICENSE

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python bench/analysis_bench.py
	$(BIN)/python bench/calendar_bench.py

## 50 signed-in people against gunicorn (4 workers) + PostgreSQL (recreates the database bench_load).
bench-load: install services
	$(BIN)/python bench/load_bench.py

clean:
	rm -rf $(VENV) instance/portal.db .pytest_cache
