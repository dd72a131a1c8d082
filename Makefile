# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
CHROMIUM := /usr/bin/chromium
PG_URL := postgres://postgres@127.0.0.1:5432/test

.PHONY: run install migrate seed superuser test lint pytest test-postgres browser screenshots bench-search clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null || \
		{ echo "Python 3.12 or newer is required (found: $$($(PYTHON) --version 2>&1)); see .python-version."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(MANAGE) migrate --no-input

seed: migrate
	$(MANAGE) load_demo

run: seed
	$(MANAGE) runserver 127.0.0.1:8000

superuser: migrate
	$(MANAGE) createsuperuser

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=kb.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

# The browser test drives Debian's chromium; Playwright cannot download browsers here.
browser:
	@test -x $(CHROMIUM) || { echo "Installing Debian's chromium for the browser tests"; \
		apt-get install -y -qq chromium >/dev/null || \
		{ echo "Could not install chromium: run 'sudo apt-get install chromium'."; exit 1; }; }

# Two processes (pytest-xdist): the admin-wide walks alone are minutes of requests.
pytest: install browser
	$(BIN)/pytest -q -n 2

test: lint pytest

test-postgres: install browser
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n 2

screenshots: seed browser
	$(BIN)/python docs/make_screenshots.py

# Search latency at 10,000 and 100,000 terms on both databases (takes a few minutes; drops kb_bench).
bench-search: install
	DATABASE_URL=sqlite:///$(CURDIR)/.bench-search.sqlite3 $(BIN)/python bench/search.py
	DATABASE_URL=postgres://postgres@127.0.0.1:5432/kb_bench $(BIN)/python bench/search.py
	rm -f .bench-search.sqlite3

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
