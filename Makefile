# Oncommun: `make run` starts the server with demo data; `make test` installs everything and runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint install install-dev js js-test-deps i18n clean

run: install js
	$(BIN)/oncommun serve --demo

test: install-dev js js-test-deps
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-dev: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'

# The browser client and web app (clients/js), built into server/static when Node.js is present.
js:
	@if command -v npm >/dev/null 2>&1 && [ -f clients/js/package.json ]; then \
		cd clients/js && npm ci --no-audit --no-fund --silent && npm run --silent build; \
	else echo "npm not found: serving the web app bundle committed in server/static"; fi

# What the browser tests need: Debian's Chromium and ChromeDriver (Playwright drives /usr/bin/chromium).
js-test-deps:
	@if [ -f clients/js/package.json ] && ! command -v chromium >/dev/null 2>&1; then \
		if command -v apt-get >/dev/null 2>&1; then \
			(apt-get update -qq && apt-get install -y -qq chromium chromium-driver) >/dev/null; \
		else echo "install Chromium for the browser tests"; exit 1; fi; \
	fi

# Re-extract translatable texts after changing N_() messages; translators then edit server/locale/*/LC_MESSAGES/oncommun.po.
i18n: install-dev
	$(BIN)/pybabel extract -F babel.cfg -k N_ -o server/locale/oncommun.pot --no-location --omit-header server care rooms moderation signaling media
	$(BIN)/pybabel update -D oncommun -i server/locale/oncommun.pot -d server/locale --no-fuzzy-matching

clean:
	rm -rf $(VENV) var
