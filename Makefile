# stakenet developer commands. `make demo` and `make test` work on a fresh machine: they create
# .venv and install stakenet (tests add its dev extras, Chromium and the Neo4j test server).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
NEO4J_PORT ?= 7687
export NEO4J_TEST_URI ?= bolt://127.0.0.1:$(NEO4J_PORT)

.PHONY: install install-dev demo test lint pytest bench bench-quick browser neo4j neo4j-stop clean

# The demo needs only stakenet itself; tests, lint and benchmarks add the dev extra.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

install: $(STAMP)

install-dev: $(DEV_STAMP)

demo: install
	$(BIN)/stakenet demo --out out

lint: install-dev
	$(BIN)/ruff check graph viz tests bench
	$(BIN)/mypy graph viz
	$(BIN)/pytest -q -p no:cacheprovider tests/test_architecture.py

# Headless Chromium for the browser tests, from Debian's packages.
browser:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

pytest: install-dev
	$(BIN)/pytest

test: install-dev browser lint
	$(MAKE) neo4j
	$(BIN)/pytest; rc=$$?; $(MAKE) neo4j-stop; exit $$rc

bench: install-dev
	$(BIN)/python -m bench

# Every benchmark at its quick size, one JSON line each (also run by tests/test_bench_quick.py in make test).
bench-quick: install-dev
	$(BIN)/python -m bench --quick --json

# A real Neo4j 5.26 (tests/neo4j, neo4j-harness) on bolt://127.0.0.1:$(NEO4J_PORT), no auth; idempotent.
neo4j:
	NEO4J_PORT=$(NEO4J_PORT) bash scripts/neo4j.sh start

neo4j-stop:
	NEO4J_PORT=$(NEO4J_PORT) bash scripts/neo4j.sh stop

clean:
	rm -rf out .pytest_cache .mypy_cache .ruff_cache
