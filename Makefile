# The two commands: `make run` (set up everything and serve on http://127.0.0.1:5000) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run worker test lint translations messages serve migrate seed bench bench-seed clean help

help:
	@echo "make run    - install, compile translations, migrate, seed demo data if empty, serve on $(HOST):$(PORT)"
	@echo "make test   - run the whole test suite"
	@echo "make worker - run a background job worker (make run starts one too)"
	@echo "make lint   - ruff (with a complexity gate), bandit, the import contract (.importlinter), functions <= 60 lines"
	@echo "make messages - extract new UI strings into the catalogues"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

translations: $(VENV)/.runtime
	$(BIN)/pybabel compile --use-fuzzy -d translations >/dev/null

instance/config.py:
	mkdir -p instance
	cp instance/config.example.py instance/config.py

migrate: $(VENV)/.runtime instance/config.py
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo --if-empty

# The background job worker runs next to the web server and stops with it (exports, reminders: core/jobs.py).
run: translations seed
	@echo "Serving on http://$(HOST):$(PORT) — sign in as admin / demo1234 (with a background job worker)"
	@$(FLASK) jobs worker --workers 2 & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(FLASK) run --host $(HOST) --port $(PORT) --with-threads

# One background job worker (more hosts: set REDIS_URL on each, see README "Background jobs").
worker: translations migrate
	$(FLASK) jobs worker --workers $(or $(WORKERS),2)

serve: translations migrate
	$(BIN)/gunicorn -c gunicorn.conf.py "app:create_app()"

# pytest exits 5 when it collects nothing; that is not a failure of the suite.
test: $(VENV)/.dev translations
	$(BIN)/pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/bandit -q -ll -c pyproject.toml -r app.py extensions.py blueprints
	PYTHONPATH=. $(BIN)/lint-imports --no-cache
	$(BIN)/python scripts/long_functions.py

messages: $(VENV)/.runtime
	scripts/i18n.sh

# City-scale benchmark (QUALITY "Performance"): seed the two SQLite databases once, then run every bar.
# `make bench-seed SCALE=100000` seeds a smaller large one (then `make bench BENCH_ARGS="--large sqlite:///..."`);
# `make bench BENCH_ARGS="--quick"` is the smoke run. With DATABASE_URL set, bench runs on PostgreSQL (bench/README.md).
bench-seed: SCALE ?= 1000000
bench-seed: SMALL_SCALE ?= 1000
bench-seed: $(VENV)/.runtime
	$(BIN)/python -m bench.seed_scale --scale $(SMALL_SCALE) --db sqlite:///$(CURDIR)/bench/data/city-$(SMALL_SCALE).sqlite3
	$(BIN)/python -m bench.seed_scale --scale $(SCALE) --db sqlite:///$(CURDIR)/bench/data/city-$(SCALE).sqlite3

bench: $(VENV)/.runtime
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache translations/*/LC_MESSAGES/*.mo
