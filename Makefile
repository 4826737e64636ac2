# The two commands (README): `make run` serves the portal with demo data; `make test` passes the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/rakunest
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
# Settings default to production (DJANGO_DEBUG off); the development commands below ask for development.
export DJANGO_DEBUG ?= true
# The demo's co-working management system (records/datasets/demo_coworking.yaml): an SQLite file, no server.
export DEMO_COWORKING_DATABASE_URL ?= sqlite:///$(CURDIR)/var/demo-coworking.sqlite3

.PHONY: install run test test-fast lint messages bench-intake bench-erase clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=25.1"
	$(BIN)/python -m pip install --quiet --group dev
	touch $@

run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py seed_demo_systems --if-empty
	$(BIN)/python manage.py create_demo_staff
	scripts/run-portal.sh

test: install
	scripts/ensure-services.sh
	scripts/ensure-chromium.sh
	scripts/ensure-axe.sh
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} TEST_REDIS_URL=$${TEST_REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

# SQLite and eager tasks only: the integration and browser tests skip themselves.
test-fast: install
	DATABASE_URL=sqlite:///:memory: $(BIN)/python -m pytest -m "not integration and not browser" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The Spanish catalogue (README, Spanish): new msgids come out empty; translate them, then run it again.
messages: install
	$(BIN)/python manage.py makemessages -l es --no-obsolete --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l es --ignore=.venv

bench-intake: install
	scripts/ensure-services.sh
	$(BIN)/python bench/intake.py

bench-erase: install
	scripts/ensure-services.sh
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/rk_bench_erase} $(BIN)/python bench/erase.py

clean:
	rm -rf var
