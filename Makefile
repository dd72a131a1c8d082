# Two commands set everything up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
CHROMIUM := /usr/bin/chromium
PG_URL := postgres://postgres@127.0.0.1:5432/test

.PHONY: run serve install migrate seed superuser test lint pytest test-postgres browser screenshots bench-search bench-pages wrk bench-faults clean

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

# As in production: gunicorn (gunicorn.conf.py), production settings, static files from WhiteNoise.
# Without the environment of a real deployment it serves db.sqlite3 on loopback over plain HTTP,
# with a secret key made once and kept in .secret-key.
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || test -s .secret-key || \
		$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))' > .secret-key
	DJANGO_SETTINGS_MODULE=kb.settings.prod \
	DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat .secret-key)}" \
	DJANGO_ALLOWED_HOSTS="$${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}" \
	DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
	DJANGO_SECURE_SSL_REDIRECT="$${DJANGO_SECURE_SSL_REDIRECT:-false}" \
	sh -c '$(MANAGE) migrate --no-input && $(MANAGE) collectstatic --no-input -v0 && exec $(BIN)/gunicorn'

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

# Reader pages under load (gunicorn, wrk) at 1,000 and 100,000 terms on SQLite and on PostgreSQL with
# Redis (about 25 minutes; rebuilds .bench-pages.sqlite3 and kb_bench_pages unless they hold the same
# build; flushes Redis db 5). BENCH_ARGS passes options, e.g. BENCH_ARGS="--quick --sizes 1000".
bench-pages: install wrk
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

wrk:
	@command -v wrk >/dev/null || { echo "Installing Debian's wrk for the page benchmarks"; \
		apt-get install -y -qq wrk >/dev/null || \
		{ echo "Could not install wrk: run 'sudo apt-get install wrk'."; exit 1; }; }

# Status counts while our own Redis and PostgreSQL (ports 6390, 5439) are stopped and restarted.
bench-faults: install
	bash bench/faults.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .cache .pytest_cache .ruff_cache
