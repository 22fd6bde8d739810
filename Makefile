# Collections Portal: `make run` starts everything locally; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test prod-smoke lint bench faults load venv venv-run browser messages clean

# Two stamps: `make run` installs what running needs (requirements.txt); the tests add their tools.
venv: $(VENV)/.installed
venv-run: $(VENV)/.installed-run

$(VENV)/.installed-run: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed: $(VENV)/.installed-run requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The embedded PostgreSQL server (var/postgres/, unless DATABASE_URL is set), web, worker and beat
# together (honcho + Procfile). Ctrl-C stops them all.
run: venv-run
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) WEB_HOST=$(HOST) WEB_PORT=$(PORT) \
	  $(BIN)/honcho start -f Procfile

# Debian's Chromium drives the browser tests (Playwright cannot download its own browser here), and
# the Noto CJK fonts let it draw Chinese.
browser:
	@if ! test -x /usr/bin/chromium || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  echo "Installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
	  || { echo "Could not install them: run 'apt-get install chromium fonts-noto-cjk'."; exit 1; }; \
	fi

# One run of every part (unit, worker, smoke, browser, journeys), reported apart at the end.
test: venv browser
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production image's steps without Docker (also part of `make test`): the Dockerfile's static build in
# a requirements.txt-only virtualenv, gunicorn and a worker on a fresh database as a role that owns nothing,
# then the restore drill.
prod-smoke: venv
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m pytest -m prod $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Benchmarks on PostgreSQL (database collections_portal_bench); figures go to bench/results/.
bench: venv
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m bench $(BENCH)

# Fault scenarios (Redis, a worker, PostgreSQL, the SMS provider, beat twice), each bounded and on
# loopback; results go to bench/results/faults.json and faults.md.
faults: venv
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m faults $(FAULTS)

# The load scenario: 50 agents and the core system for 2 minutes (LOAD_SECONDS), then reconciliation;
# results go to bench/results/load.json and load.md.
load: venv
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m load

# Refresh the Chinese catalogue from the code and compile it (needs GNU gettext).
messages: venv
	$(BIN)/python manage.py makemessages -l zh_Hans --no-location --ignore=.venv --ignore=var --ignore=tests --ignore=bench
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	-$(BIN)/python -m core.embedded_postgres stop
	rm -rf var staticfiles
