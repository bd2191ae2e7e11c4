# Two commands set everything up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
WEB_HOST ?= 127.0.0.1
WEB_PORT ?= 8000
# A development setup: DEBUG on (settings default it to off) unless the environment says otherwise.
DEBUG ?= true
export WEB_HOST WEB_PORT DEBUG

.PHONY: run test lint deps dev-deps migrate seed clean

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

# Web (daphne), Celery worker and Celery beat together; Ctrl-C stops all three.
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
	$(BIN)/pytest -p no:cacheprovider

clean:
	rm -rf $(VENV) var
