# Taizhang — the two commands that matter: `make run` and `make test`.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run install test lint format bench bench-load assets system-deps migrations-check clean serve

## make run: install everything, migrate, load the demo, then serve on http://127.0.0.1:8000 and run the
## background worker (imports, big ledgers) beside the server; Ctrl-C stops both
run: install
	$(BIN)/taizhang migrate --noinput
	$(BIN)/taizhang demo
	BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) sh scripts/run_dev.sh

## make test: install, add the Debian packages the tests need, lint, check migrations, run every test
test: install system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/taizhang makemigrations --check --dry-run
	$(BIN)/pytest

install: $(VENV)/.installed static/vendor/.installed

$(VENV)/.installed: pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements/constraints.txt -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed scripts/vendor_assets.sh
	sh scripts/vendor_assets.sh
	touch $@

assets: static/vendor/.installed

system-deps:
	sh scripts/system_deps.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install
	$(BIN)/taizhang makemigrations --check --dry-run

## make bench: the city-scale benchmark suite -> bench/results/city-<sqlite|postgresql>.json (builds the
## city dataset into var/bench-city.sqlite3 once, or into TAIZHANG_DATABASE_URL when it names PostgreSQL)
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make bench-load: 50 logged-in users for 60 s against gunicorn on loopback (demo on a temporary
## SQLite file, or TAIZHANG_DATABASE_URL); fails on any error; writes bench/results/loadtest-<db>.json.
## LOAD_ARGS=--city: the city logins on a copy of var/bench-city.sqlite3 (or a PostgreSQL copy you name)
bench-load: install
	$(BIN)/python bench/loadtest.py $(LOAD_ARGS)

## make serve: production-style server (gunicorn, static files by whitenoise)
serve: install
	$(BIN)/taizhang collectstatic --noinput -v0
	$(BIN)/gunicorn config.wsgi:application --bind $(HOST):$(PORT) --workers 3

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles
