# The two commands a newcomer needs: `make dev` and `make test`. Each creates or refreshes .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test unit integration e2e browser chromium faketime bench lint clean

# The browser tests drive Debian's Chromium, never a browser download (ASN_CHROMIUM points elsewhere).
CHROMIUM ?= $(or $(ASN_CHROMIUM),/usr/bin/chromium)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/asn dev

# Tests mostly wait (service start-up, consumer groups, events in flight), so three workers share two cores
# well; the browser tests share one seeded platform, which needs the machine to itself: they run after.
# Tests run on a business day they pin (shared.clock), so the day the machine says must not matter: the unit
# tests and those whose outcome dates decide run once more with the machine clock set to a leap day's last
# hour in Jakarta (16:30 UTC) by Debian's libfaketime.
SHIFTED_DAY ?= 2028-02-29 16:30:00

test: $(STAMP) chromium faketime
	$(BIN)/python -m pytest -n 3 -m "not browser"
	TZ=UTC faketime "$(SHIFTED_DAY)" $(BIN)/python -m pytest -n 3 -m "unit or calendar" -p no:cacheprovider
	$(BIN)/python -m pytest -m browser

browser: $(STAMP) chromium
	$(BIN)/python -m pytest -m browser

# Installs Debian's faketime when it is missing and this is root on Debian; otherwise says what to install.
faketime:
	@command -v faketime >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's faketime for the shifted-date run"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null; \
	  else \
	    echo "make test needs libfaketime to run the tests at another date: install Debian's faketime (sudo apt-get install faketime)" >&2; \
	    exit 1; \
	  fi; }

# Installs Debian's chromium when it is missing and this is root on Debian; otherwise says what to install.
chromium:
	@test -x "$(CHROMIUM)" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make test needs Chromium for the browser tests: install Debian's chromium (sudo apt-get install chromium) or set ASN_CHROMIUM to a Chromium binary" >&2; \
	    exit 1; \
	  fi; }

unit: $(STAMP)
	$(BIN)/python -m pytest -m unit

integration: $(STAMP)
	$(BIN)/python -m pytest -m integration

e2e: $(STAMP)
	$(BIN)/python -m pytest -m e2e

bench: $(STAMP)
	$(BIN)/python bench/event_roundtrip.py
	$(BIN)/python bench/import_employees.py
	$(BIN)/python bench/mutation_round.py
	$(BIN)/python bench/placement.py
	$(BIN)/python bench/gateway_throughput.py
	$(BIN)/python bench/import_bombs.py
	$(BIN)/python bench/chaos.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy asn shared services

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
