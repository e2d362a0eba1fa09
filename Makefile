# thuladmin — two commands: `make run` starts everything, `make test` runs every test.
# `make run`'s task worker runs under scripts/supervise.py, which starts it again if it dies.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/1

.PHONY: run install messages test test-sqlite test-postgres screenshots lint format bench bench-smoke clean

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is missing: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# Compiled translations (git-ignored): each locale/<lang>/LC_MESSAGES/django.po to its .mo, with
# gettext's msgfmt (what `manage.py compilemessages` runs, without needing settings).
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/*.po))

messages: $(MO_FILES)

locale/%.mo: locale/%.po
	@command -v msgfmt >/dev/null || { echo "msgfmt is missing: install gettext (apt-get install gettext)"; exit 1; }
	msgfmt --check -o $@ $<

# Local settings: DEBUG on, a random secret key, a random demo password and random credentials
# for the sandbox API (the worker and the sandbox read the same .env), written once.
.env:
	$(PY) -c "import secrets; print('DEBUG=true'); print('SECRET_KEY=' + secrets.token_urlsafe(50)); print('DEMO_PASSWORD=' + secrets.token_urlsafe(9)); print('THULIUM_USER=sandbox'); print('THULIUM_PASSWORD=' + secrets.token_urlsafe(24))" > $@
	@echo "wrote .env (edit it to point at a real Thulium, see README)"

# The sandbox's simulated agents make SANDBOX_CALLS_PER_MINUTE calls a minute, so the demo's
# campaigns change as working ones do: 6 unless the environment or .env says otherwise (0: none).
run: install .env messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py sandbox_seed
	$(PY) manage.py campaign_names_seed
	$(PY) manage.py demo_setup --port $(PORT)
	@echo "starting the task worker and the web server on http://127.0.0.1:$(PORT)/ (Ctrl-C stops both)"
	@export SANDBOX_URL=http://127.0.0.1:$(PORT)/sandbox/api/; \
	grep -q '^SANDBOX_CALLS_PER_MINUTE=' .env || export SANDBOX_CALLS_PER_MINUTE=$${SANDBOX_CALLS_PER_MINUTE:-6}; \
	$(PY) scripts/supervise.py -- $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The browser journeys alone, each leaving screenshots in var/screenshots/ to look at.
screenshots: install messages
	$(PY) -m pytest -n $(PYTEST_WORKERS) -m browser

# Every test, on SQLite (the embedded default) and then on PostgreSQL with Redis as the cache, in
# parallel processes (pytest-xdist; three keep two cores busy while browser and server tests
# wait; PYTEST_WORKERS=0 runs in one process). The tests that start processes run one at a time
# (see tests/conftest.py). Each stage's wall time and test count are printed at the end
# (scripts/stages.py, standard library only), with the 30 slowest tests of each run above it;
# a run with fewer tests than .ci/minimum-tests fails. Neither run saves the browser journeys'
# screenshots (a third of their time, and nobody looks at CI's): `make screenshots` does.
PYTEST_WORKERS ?= 3
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=30 --screenshot only-on-failure
STAGE := $(PYTHON) scripts/stages.py run

test:
	@rm -rf var/stages
	@$(STAGE) install -- $(MAKE) --no-print-directory install messages
	@$(STAGE) lint -- $(MAKE) --no-print-directory lint
	@$(STAGE) test-sqlite -- $(MAKE) --no-print-directory test-sqlite
	@$(STAGE) test-postgres -- $(MAKE) --no-print-directory test-postgres
	@$(PYTHON) scripts/stages.py report

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test-sqlite: install messages
	BROWSER_SCREENSHOTS=0 $(PYTEST) --junitxml=var/stages/test-sqlite.xml

test-postgres: install messages
	DATABASE_URL=$(POSTGRES_URL) CACHE_URL=$(REDIS_URL) BROWSER_SCREENSHOTS=0 $(PYTEST) --junitxml=var/stages/test-postgres.xml

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Every benchmark at a small size, one run each (under 2 minutes in all), in databases of their
# own under var/ (started afresh): not figures to read, a check that each bench still does the
# work it measures. Each exits non-zero, saying what was missing, when it measured nothing.
SMOKE_DB := sqlite:///$(CURDIR)/var/bench-smoke

bench-smoke: install
	@mkdir -p var && rm -f var/bench-smoke-*.sqlite3*
	DATABASE_URL=$(SMOKE_DB)-faults.sqlite3 $(PY) bench/faults.py --size 300 --url-budget-bytes 1500
	DATABASE_URL=$(SMOKE_DB)-bulk.sqlite3 $(PY) bench/bulk.py --sizes 300 --do-not-call-sizes 100 --change-sizes 100 --restore-sizes 100 --preview-size 300 --repeat 1
	DATABASE_URL=$(SMOKE_DB)-snapshot.sqlite3 $(PY) bench/snapshot.py --records 300 --campaigns 2 --rows-per-campaign 300 --searches 20 --called 30 --no-heap
	DATABASE_URL=$(SMOKE_DB)-audit.sqlite3 $(PY) bench/audit.py --entries 2000 --jobs 10 --runs 1 --reseed
	DATABASE_URL=$(SMOKE_DB)-records.sqlite3 $(PY) bench/sandbox_records.py --records 500 --runs 1 --reseed

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-* $(MO_FILES)
