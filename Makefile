# sagemaker-rollout: one venv (.venv, Python 3.12 like the Lambda runtime), everything installs itself.
#
#   make demo    the simulated end-to-end story (no AWS account, no Docker)
#   make test    the whole test suite
#   make check   ruff, mypy (strict on the library), checkov, bandit, pip-audit, sam validate, cfn-lint
#   make bench   benchmarks (prints figures, writes benchmarks/results.md)
#   make build   sam build (offline, no container)

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
# The Lambda runtime is python3.12: find a 3.12 interpreter (PATH, then pyenv).
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
            if "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then echo "$$p"; break; fi; done)

export SAM_CLI_TELEMETRY := 0
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: venv demo test check bench build clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found (the Lambda runtime's version); install it or set PYTHON=" >&2; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

demo: venv
	$(BIN)/sagemaker-rollout demo

test: venv
	$(BIN)/python -m pytest -q

check: venv
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m sagemaker_rollout.schemas_gen --check
	PY=$(BIN)/python bash .ci/scan.sh

bench: venv
	$(BIN)/python benchmarks/run_all.py

build: venv
	$(BIN)/sam build --build-dir .aws-sam/build

clean:
	rm -rf $(VENV) .venv-checkov .aws-sam .pytest_cache .mypy_cache .ruff_cache
