# Two commands do all the set-up on a fresh machine:
#   make run    creates .venv, upgrades the database, starts the daemon on ./config.yaml
#   make test   creates .venv and runs the whole test suite (lint, types, import layers, pytest)

PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp

.PHONY: run test pytest lint install clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/monitor db upgrade
	$(BIN)/monitor run

test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check monitor tests migrations benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: $(STAMP) chromium
	$(BIN)/python -m pytest

# tests/test_report_browser.py opens the HTML report in /usr/bin/chromium. Installed here when
# missing, if apt-get is there and we are root; otherwise that test is skipped, saying why.
chromium:
	@test -x /usr/bin/chromium || ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ] || { \
	  echo "installing chromium (apt-get) for the browser test"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium; } >/dev/null 2>&1 \
	  || echo "could not install chromium: the browser test will be skipped"; }

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
