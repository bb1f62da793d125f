# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
export FLASK_APP := portal:create_app

.PHONY: run test lint format install install-test translations db clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d portal/translations -D messages
	$(BIN)/pybabel compile --statistics -d portal/translations -D wtforms

## Build the schema, load built-in content and the demo team once, serve on :5000
## with a job worker beside it (stopped with the server).
run: install translations
	$(BIN)/flask db upgrade -d migrations
	$(BIN)/flask portal setup-demo
	$(BIN)/flask portal worker & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite (browser tests included when /usr/bin/chromium exists).
test: install-test translations
	$(BIN)/pytest $(PYTEST_ARGS)

## Style (ruff) and the floors of the house (import-linter, contracts in pyproject.toml).
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Re-extract UI strings and merge them into the catalogues.
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o portal/translations/messages.pot --no-location --no-wrap --sort-output portal scripts_library quizzes reviews autoqa
	$(BIN)/pybabel update -i portal/translations/messages.pot -d portal/translations --no-fuzzy-matching --no-wrap

clean:
	rm -rf $(VENV) .pytest_cache
