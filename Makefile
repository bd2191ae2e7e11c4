# Two commands set everything up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 8000
# A development setup: DEBUG on (settings default it to off) unless the environment says otherwise.
DEBUG ?= true
export WEB_HOST WEB_PORT DEBUG

.PHONY: run test lint deps dev-deps migrate seed backup restore screenshots clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt constraints.txt
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

deps: $(VENV)/.runtime
dev-deps: $(VENV)/.dev

migrate: deps
	mkdir -p var/broker/queue var/broker/processed var/broker/control
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py install_schedules

seed: migrate
	$(BIN)/python manage.py seed_demo

# Web (uvicorn), Celery worker and Celery beat together; Ctrl-C stops all three.
run: seed
	@echo ""
	@echo "  Spirit Tours is starting:"
	@echo "    log in               http://$(WEB_HOST):$(WEB_PORT)/  (each role lands on its own pages)"
	@echo "    staff workspace      http://$(WEB_HOST):$(WEB_PORT)/staff/"
	@echo "    client pages         http://$(WEB_HOST):$(WEB_PORT)/client/"
	@echo "    hotel portal         http://$(WEB_HOST):$(WEB_PORT)/portal/"
	@echo "    back office (admin)  http://$(WEB_HOST):$(WEB_PORT)/admin/"
	@echo "    worker and beat      started by honcho beside the web server"
	@echo "  Log in with one of the demo accounts listed above. Ctrl-C stops everything."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start -f Procfile

lint: dev-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The whole suite: lint, import contract, pytest. Uses DATABASE_URL / REDIS_URL when set.
test: lint
	$(BIN)/pytest -p no:cacheprovider --durations=15

# A backup of the database (pg_dump, or SQLite's online backup) into BACKUP_DIR, var/backups/ by
# default, named with the UTC time; `make backup KEEP=14` then removes all but the newest 14.
backup: deps
	$(BIN)/python manage.py backup_database $(if $(KEEP),--keep $(KEEP))

# Replaces the database with the newest backup, or `make restore FILE=var/backups/<file>`; asks
# first. Stop web, worker and beat before (docs/DEPLOYMENT.md, "Backups and restore").
restore: deps
	$(BIN)/python manage.py restore_database $(FILE)

# docs/screenshots/<page>-<language>-<desktop|phone>.png of every page, made fresh by the
# browser tests (needs PostgreSQL in DATABASE_URL and Debian's chromium; CI=true turns a
# missing one into a failure, and the old screenshots stay until all tests pass). A browser
# test adds its own with shot(..., docs=True) and its module here.
SCREENSHOT_TESTS ?= quotations/tests/test_e2e_pages.py quotations/tests/test_e2e_account.py payments/tests/test_e2e_pages.py payments/tests/test_e2e_gateway_pages.py
screenshots: dev-deps
	rm -rf var/screenshots
	CI=true SCREENSHOTS_DIR=var/screenshots $(BIN)/pytest -p no:cacheprovider -q $(SCREENSHOT_TESTS)
	mkdir -p docs/screenshots
	rm -f docs/screenshots/*.png
	mv var/screenshots/*.png docs/screenshots/

clean:
	rm -rf $(VENV) var
