# SADMF Convoy: build, run and check. GNU make; see README.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := install

PYTHON_BOOTSTRAP := $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
ADDRESS := 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: install system-deps run lint test bench loadtest format clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

system-deps:
	.ci/system-deps

# The demo: plain HTTP on loopback with DEBUG on, database in var/.
# Processes started with `&` on the lines before runserver run alongside it and are
# stopped when it exits (Ctrl-C).
run: export DEBUG := 1
run: export SADMF_HTTPS := 0
run: install
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	trap 'kill $$(jobs -p) 2>/dev/null || true' EXIT INT TERM; \
	$(MANAGE) db_worker & \
	$(MANAGE) runserver $(ADDRESS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install system-deps lint
	$(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) -m bench

# gunicorn (2 workers) on PostgreSQL with load_demo --scale 10000, driven by wrk on loopback:
# LOADTEST_SECONDS per page (default 60) at 16 connections. Not part of `make test`.
loadtest: install
	bench/loadtest.sh

# Fixes first, then formats what the fixes touched; `make lint` reports what is left.
format: install
	$(VENV)/bin/ruff check --fix --exit-zero .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var
