# The two commands a newcomer needs: `make dev` and `make test`. Each creates or refreshes .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test unit integration e2e bench lint clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

dev: $(STAMP)
	$(BIN)/asn dev

# Tests mostly wait (service start-up, consumer groups, events in flight), so three workers share two cores
# well; the browser tests share one seeded platform, which needs the machine to itself: they run after.
test: $(STAMP)
	$(BIN)/python -m pytest -n 3 -m "not browser"
	$(BIN)/python -m pytest -m browser

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

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy shared services

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache
