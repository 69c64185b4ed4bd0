# The one entry point for every chore. `make e2e` and `make test` work on a fresh machine:
# both depend on `setup` (install + browser), which is idempotent. `make lint` needs only
# `install`: no browser.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.spdt-installed
PY := $(BIN)/python
PYTEST_ARGS ?=
PORT ?= 8443
SITES_PORT ?= 9443
# Playwright's Node driver starts in every process that drives a browser (each CLI run in the
# tests, each audit worker): Node's on-disk compile cache cuts its start-up CPU by about a third
# (0.60 -> 0.43 CPU-s measured here). Ignored by a Node without it; set your own to move it.
export NODE_COMPILE_CACHE ?= $(CURDIR)/$(VENV)/node-compile-cache

.PHONY: setup install browser system-browser e2e test lint serve clean bench soak audit wheel wrk bytecode

# The package and, on a machine with no browser at all, Debian's Chromium install side by side
# (neither needs the other: on a fresh machine 18 s and 26 s, one after the other before); then
# the browser step finds what was installed, or does the rest (see docs/browsers.md).
setup:
	@$(MAKE) --no-print-directory -j2 install system-browser
	@$(MAKE) --no-print-directory browser

# The venv and the package with its dev extras (pinned ruff, mypy, import-linter).
install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spdt-harness needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Finds a Chromium (SPDT_BROWSER, Playwright's, the system's) or installs one; see docs/browsers.md.
browser: $(STAMP)
	@$(PY) -m harness.browser.provision

# Debian's Chromium, only where no browser exists and apt-get may run (as root); needs only Python.
system-browser: | $(BIN)/python
	@$(PY) -m harness.browser.provision --system-only

e2e: setup bytecode
	$(BIN)/spdt-harness e2e

# TEST_WORKERS: pytest-xdist workers (0 = serial, in one process). On 2 cores three measured
# fastest (the whole suite, same machine: 3 workers 324 s, 4 workers 330 s): a test often waits
# on a browser or a server, and a third worker fills those gaps. --dist worksteal: a worker that
# runs out of tests takes over part of another's (with xdist's default scheduling one worker was
# measured running its backlog alone for the last 115 s of a 325 s run; worksteal and the
# longest-first order in tests/conftest.py: 270 s, same machine).
TEST_WORKERS ?= 3
test: setup bytecode
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The checkout's bytecode, written once: with PYTHONDONTWRITEBYTECODE set (as on this project's
# machines) every process the tests start would compile the package from source again.
bytecode: install
	@$(PY) -m compileall -q -j 0 harness mock_endpoint fixture_sites tests benchmarks

lint: install
	$(BIN)/ruff check harness mock_endpoint fixture_sites tests
	$(BIN)/ruff format --check harness mock_endpoint fixture_sites tests
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# Audit a site: make audit URL=https://example.com/ AUDIT_ARGS="--format html --output report.html"
audit: setup
	@test -n "$(URL)" || { echo 'usage: make audit URL=https://your.site/ [AUDIT_ARGS="..."]'; exit 2; }
	$(BIN)/spdt-harness audit $(URL) $(AUDIT_ARGS)

# The mock and the fixture sites together, for clicking through by hand.
serve: setup
	$(BIN)/spdt-harness serve --port $(PORT) --sites-port $(SITES_PORT)

# Benchmarks (not part of `make test`): every figure a ratio against a baseline measured in the
# same run. Writes benchmarks/results/<date>.json and the table in docs/benchmarks.md.
# BENCH_ARGS e.g. "--quick" or "--only ingest,e2e". The wrk step installs Debian's wrk (as root,
# when missing) before the benchmarks run; the benchmarks themselves install nothing.
BENCH_ARGS ?=
bench: setup wrk
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

wrk:
	@command -v wrk >/dev/null || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk || \
	    { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk; }; } \
	  || echo "wrk not installed: the ingest benchmark uses the Python load generator"; }

# The soak suite: 100,000 mixed hits from 50 clients, faults under load, hostile pages, and the
# hypothesis fuzzers with many more examples. Bounded in count and time; loopback only.
SOAK_EXAMPLES ?= 1000
soak: setup
	SPDT_SOAK=1 SPDT_FUZZ_EXAMPLES=$(SOAK_EXAMPLES) timeout 3600 $(BIN)/pytest -q tests/soak tests/test_fuzz_mock.py tests/test_fuzz_parsers.py $(PYTEST_ARGS)

# The installable package (docs/ci.md): dist/spdt_harness-VERSION-py3-none-any.whl
wheel: $(STAMP)
	$(BIN)/pip wheel --no-deps --quiet -w dist .
	@ls dist/*.whl

clean:
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache test-results e2e-results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
