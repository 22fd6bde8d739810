# Collections Portal: `make run` starts everything locally; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint venv browser clean

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# Web, worker and beat together (honcho + Procfile). Ctrl-C stops all three.
run: venv
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Collections Portal: http://$(HOST):$(PORT)/   (health: http://$(HOST):$(PORT)/healthz)"
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile

# Debian's Chromium drives the browser tests; Playwright cannot download its own browser here.
browser:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || { echo "Could not install chromium: install it with 'apt-get install chromium'."; exit 1; }; }

test: venv browser
	$(BIN)/python scripts/check_services.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf var staticfiles
