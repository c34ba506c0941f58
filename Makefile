# sagemaker-rollout: everything installs itself, from lock files with hashes (Python 3.12 like the
# Lambda runtime).
#
#   make demo     the simulated end-to-end story (no AWS account, no Docker)
#   make test     the test suite (under 6 minutes on 2 cores; all but the slow tiers)
#   make test-slow  the slow tiers: public templates end to end, sam build / validate, the built
#                 layer (size, contents, handlers, provider suites on its botocore data), property test
#   make check    ruff, mypy (strict on the library), schema freshness, checkov, bandit, pip-audit,
#                 sam validate, cfn-lint
#   make bench    benchmarks (prints figures, writes benchmarks/results.md)
#   make build    sam build (no container); the layer: layers/Makefile (the runtime lock, botocore
#                 data cut to the services the runtime uses, at most 15 MB unzipped)
#   make lock     re-lock after editing pyproject.toml or requirements/*.in (keeps every pin it can)
#   make upgrade  newest releases within the ranges: locks, environments and schemas in one change
#   make soak     thousands of random request-and-fault sequences (SOAK_SEQUENCES, SEED, SOAK_MINUTES);
#                 figures in benchmarks/soak.md, rewritten after every sequence
#   make registry-check    the registry type: schema and models.py current, `cfn validate` (offline)
#   make registry-package  the registry type's zip with `cfn submit --dry-run` (no Docker, no AWS
#                          account; the dependencies come from the package index, hash-checked)
#   make contract-test     the CloudFormation CLI's own contract suite (`cfn test`) against the
#                          registry type, no Docker, no AWS (docs/registry.md, "Contract tests")
#
# Environments and their locks (pyproject.toml and requirements/*.in are the abstract spec; the
# locks are what is installed, every file checked against its hash):
#   .venv          runtime + development  requirements/dev.txt  (compiled against the runtime lock,
#                                                                so the tests use the layer's botocore)
#                  runtime alone           layers/requirements.txt (what `sam build` puts in the layer)
#   .venv-tools    aws-sam-cli, cloudformation-cli    requirements/tools.txt
#   .venv-checkov  checkov (.ci/scan.sh installs it)  requirements/checkov.txt
# The tools pin their own boto3; their environments keep those pins away from the runtime.
# .venv first gets pip and uv from requirements/bootstrap.txt (pip --require-hashes); uv then
# installs each lock (--require-hashes: exact pins, every file's hash checked) in seconds.

SHELL := /bin/bash
VENV  := .venv
BIN   := $(VENV)/bin
TOOLS := .venv-tools
TOOLS_BIN := $(TOOLS)/bin
RUNTIME_LOCK := layers/requirements.txt
DEV_LOCK     := requirements/dev.txt
TOOLS_LOCK   := requirements/tools.txt
CHECKOV_LOCK := requirements/checkov.txt
BOOTSTRAP_LOCK := requirements/bootstrap.txt
# The registry type (registry/, a CloudFormation CLI project): its handlers' dependencies.
REGISTRY      := registry
REGISTRY_LOCK := $(REGISTRY)/requirements.lock
# The Lambda runtime is python3.12: find a 3.12 interpreter (PATH, then pyenv).
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do \
            if "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1; then echo "$$p"; break; fi; done)
UV := $(BIN)/uv
# Installs exactly a lock into a fresh environment (uv's cache: ~/.cache/uv), compiled to bytecode
# at install time: with PYTHONDONTWRITEBYTECODE set (as on CI machines) every process would
# otherwise recompile moto, botocore and cfn-lint on import (about 4 s of CPU each time).
UV_INSTALL = $(UV) pip install --quiet --require-hashes --compile-bytecode --python
# Every lock is resolved for CPython 3.12 on Linux with the hashes of all of a release's files (the
# layer is built for arm64 from the same lock). UPGRADE=--upgrade takes the newest releases.
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --python-version 3.12 --python-platform linux \
             --custom-compile-command "make lock" $(UPGRADE)

export SAM_CLI_TELEMETRY := 0
# .venv first (python3.12, cfn-lint of the tests), then the tools (sam, cfn).
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/$(TOOLS_BIN):$(PATH)

.PHONY: venv tools demo test test-slow check bench build lock upgrade clean soak registry-check registry-package \
        golden-record golden-check contract-test

venv: $(VENV)/.installed
tools: $(TOOLS)/.installed

# A changed lock rebuilds the environment from scratch, so it holds exactly the lock.
$(VENV)/.installed: $(DEV_LOCK) $(RUNTIME_LOCK) $(BOOTSTRAP_LOCK) pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found (the Lambda runtime's version); install it or set PYTHON=" >&2; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r $(BOOTSTRAP_LOCK)
	$(UV_INSTALL) $(BIN)/python -r $(DEV_LOCK)
	$(UV) pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

$(TOOLS)/.installed: $(TOOLS_LOCK) | $(VENV)/.installed
	@test -n "$(PYTHON)" || { echo "Python 3.12 not found (the Lambda runtime's version); install it or set PYTHON=" >&2; exit 1; }
	rm -rf $(TOOLS)
	$(PYTHON) -m venv $(TOOLS)
	$(UV_INSTALL) $(TOOLS_BIN)/python -r $(TOOLS_LOCK)
	@touch $@

demo: venv
	$(BIN)/sagemaker-rollout demo

# The slow tests run `sam build` and `sam validate` from .venv-tools; pytest-xdist spreads the
# suite over the cores (-n auto).
test: venv tools
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m "not templates and not slow"

# The slow tiers, outside `make test` (CI runs both): the public templates of tests/fixtures/public
# played, migrated in both stages and forms, and linted (marker `templates`); the real `sam build`
# and `sam validate --lint`, the built layer (layers/Makefile, tests/functional/test_built_layer.py),
# the macro's property test with cfn-lint on every example, and the whole demo stories of the
# README's demo commands and the registry type (`slow`; the shipped templates' stories: `templates`).
test-slow: venv tools
	$(BIN)/python -m pytest -q -n auto --dist worksteal -m "templates or slow"

check: venv tools
	$(BIN)/python -m ruff check .
	$(BIN)/python -m mypy
	$(BIN)/python -m sagemaker_rollout_tools.schemas_gen --check --registry-dir $(REGISTRY) --docs-root .
	$(MAKE) --no-print-directory registry-check
	PY=$(BIN)/python TOOLS_BIN=$(TOOLS_BIN) CHECKOV_LOCK=$(CHECKOV_LOCK) UV=$(UV) bash .ci/scan.sh

# Golden traces (tests/golden_traces.py): every AWS call, journal write and answer of each functional
# and registry scenario. Record before a refactor, check after each commit: a differing trace fails
# its test with the first differing lines. golden-record also rewrites tests/golden/traces.sha256.
GOLDEN_SUITES := tests/functional tests/registry -m "not slow"
golden-record: venv tools
	rm -rf .golden/record
	GOLDEN_TRACES=record $(BIN)/python -m pytest -q -n auto --dist worksteal $(GOLDEN_SUITES)
	$(BIN)/python tests/golden_traces.py

golden-check: venv tools
	rm -rf .golden/check
	GOLDEN_TRACES=check $(BIN)/python -m pytest -q -n auto --dist worksteal $(GOLDEN_SUITES)

bench: venv tools
	$(BIN)/python benchmarks/run_all.py

build: venv tools
	$(TOOLS_BIN)/sam build --build-dir .aws-sam/build

# Re-lock without upgrading: uv keeps every pin of the existing lock that still fits the spec. The
# development lock is constrained on the runtime lock (same boto3/botocore as the layer).
lock: venv
	$(UV_COMPILE) pyproject.toml -o $(RUNTIME_LOCK)
	$(UV_COMPILE) pyproject.toml --extra dev -c $(RUNTIME_LOCK) -o $(DEV_LOCK)
	$(UV_COMPILE) requirements/bootstrap.in -c $(DEV_LOCK) -o $(BOOTSTRAP_LOCK)
	$(UV_COMPILE) requirements/tools.in -o $(TOOLS_LOCK)
	$(UV_COMPILE) requirements/checkov.in -o $(CHECKOV_LOCK)
	$(UV_COMPILE) pyproject.toml $(REGISTRY)/requirements.in -c $(RUNTIME_LOCK) -o $(REGISTRY_LOCK)

# One reviewed change: newest releases in the locks, environments rebuilt from them, schemas
# regenerated from the new botocore, then the tests. Commit the locks and schemas together.
upgrade: venv
	$(MAKE) lock UPGRADE=--upgrade
	$(MAKE) venv tools
	$(BIN)/python -m sagemaker_rollout_tools.schemas_gen --write --registry-dir $(REGISTRY) --docs-root .
	$(BIN)/python -m pytest -q -x tests/functional/test_locks.py
	git diff --stat -- $(RUNTIME_LOCK) requirements schemas $(REGISTRY)

clean:
	rm -rf $(VENV) $(TOOLS) .venv-checkov .aws-sam .pytest_cache .mypy_cache .ruff_cache .contract-test

# Random request-and-fault sequences (tests/stateful) on a random seed, many more than `make test`
# runs: the seed is printed first (replay a failure with `make soak SEED=<seed>`); the figures go
# to benchmarks/soak.md.
SOAK_SEQUENCES ?= 2000
SEED ?= $(shell date +%s)
# Shards run side by side (pytest-xdist), shard i on seed SEED+i; the figures add up every shard's.
SOAK_JOBS ?= $(shell nproc)
# A time limit in minutes (0: none). A soak stopped by it keeps the figures of the sequences it ran
# (marked as stopped) and still fails on any violation.
SOAK_MINUTES ?= 0
soak: venv
	@echo "soak seed: $(SEED), $(SOAK_JOBS) shard(s) on seeds $(SEED)..+$(SOAK_JOBS) (replay: make soak SEED=$(SEED) SOAK_JOBS=$(SOAK_JOBS))"
	rm -rf benchmarks/soak.md.parts
	SOAK_SEQUENCES=$(SOAK_SEQUENCES) SOAK_RANDOM=1 SOAK_SEED=$(SEED) SOAK_JOBS=$(SOAK_JOBS) SOAK_RESULTS=benchmarks/soak.md \
	  timeout --signal=INT --kill-after=120 $$(( $(SOAK_MINUTES) > 0 ? $(SOAK_MINUTES) * 60 : 0 )) \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/stateful -x $$( [ $(SOAK_JOBS) -gt 1 ] && echo "-n $(SOAK_JOBS) --dist loadgroup" ); \
	  status=$$?; rm -rf benchmarks/soak.md.parts; \
	  if [ $$status -eq 124 ]; then echo "soak stopped after $(SOAK_MINUTES) min (figures so far in benchmarks/soak.md)"; \
	  grep -q -- "- violations: 0" benchmarks/soak.md; else exit $$status; fi

# The registry type SageMakerRollout::SageMaker::Endpoint (registry/, docs/registry.md). Its schema is
# generated (schemas_gen --registry-dir), models.py is what `cfn generate` makes of the schema: both
# are checked current here, in a scratch copy (`cfn generate` would also overwrite the hand-written,
# least-privilege resource-role.yaml), then the schema is validated against the CloudFormation
# CLI's meta-schema.
registry-check: venv tools
	$(BIN)/python -m sagemaker_rollout_tools.schemas_gen --check --registry-dir $(REGISTRY) --docs-root .
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && cp -r $(REGISTRY)/. "$$scratch" && \
	  (cd "$$scratch" && $(CURDIR)/$(TOOLS_BIN)/cfn generate >/dev/null 2>&1) && \
	  diff -q "$$scratch"/src/sagemakerrollout_sagemaker_endpoint/models.py \
	          $(REGISTRY)/src/sagemakerrollout_sagemaker_endpoint/models.py >/dev/null || \
	  { echo "$(REGISTRY)/src/.../models.py is stale: copy it from \`cfn generate\` (docs/registry.md)" >&2; exit 1; }
	set -o pipefail; cd $(REGISTRY) && $(CURDIR)/$(TOOLS_BIN)/cfn validate 2>&1 | grep -v -e SyntaxWarning -e 'regex = ' | tail -1

# The zip `cfn submit` would upload, without uploading (--dry-run) and without Docker (.rpdk-config
# use_docker false: the plugin runs pip here; Linux x86-64 and Python 3.12 are the handlers'
# platform). requirements.txt = the registry lock + a wheel of the runtime package alone (built from
# a scratch copy of layers/sagemaker_rollout: never the tools or the test kit, checked in the zip),
# every file hash-checked.
registry-package: registry-check
	rm -rf $(REGISTRY)/build $(REGISTRY)/wheels $(REGISTRY)/*.zip
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	  cp -r layers/sagemaker_rollout "$$scratch"/ && find "$$scratch" -name __pycache__ -prune -exec rm -rf {} + && \
	  version=$$($(BIN)/python -c 'import sagemaker_rollout; print(sagemaker_rollout.__version__)') && \
	  printf '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n[project]\nname = "sagemaker-rollout"\nversion = "%s"\nrequires-python = ">=3.12"\n[tool.setuptools]\npackages = {find = {include = ["sagemaker_rollout*"]}}\n[tool.setuptools.package-data]\nsagemaker_rollout = ["py.typed"]\n' "$$version" > "$$scratch"/pyproject.toml && \
	  $(BIN)/python -m pip wheel --quiet --disable-pip-version-check --no-deps --no-build-isolation -w $(REGISTRY)/wheels "$$scratch"
	@{ cat $(REGISTRY_LOCK); for w in $(REGISTRY)/wheels/*.whl; do \
	     echo "./wheels/$$(basename $$w) --hash=sha256:$$(sha256sum $$w | cut -d' ' -f1)"; done; } \
	  > $(REGISTRY)/requirements.txt
	set -o pipefail; cd $(REGISTRY) && PIP_REQUIRE_HASHES=1 $(CURDIR)/$(TOOLS_BIN)/cfn submit --dry-run 2>&1 \
	  | grep -v -e SyntaxWarning -e 'regex = ' | tail -2
	@rm -rf $(REGISTRY)/build build
	@inner=$$(mktemp -d) && trap 'rm -rf "$$inner"' EXIT && unzip -q -d "$$inner" $(REGISTRY)/*.zip ResourceProvider.zip && \
	  unzip -l "$$inner"/ResourceProvider.zip > "$$inner"/list && \
	  grep -q " sagemaker_rollout/__init__.py" "$$inner"/list || { echo "the zip lacks the runtime package" >&2; exit 1; }; \
	  ! grep -q -e sagemaker_rollout_tools -e sagemaker_rollout_testing "$$inner"/list || \
	  { echo "the zip ships the tools or the test kit" >&2; exit 1; }
	@ls -l $(REGISTRY)/*.zip

# The CloudFormation CLI's own contract suite (`cfn test` of cloudformation-cli, .venv-tools) against
# the registry type's real entry point, with no Docker and no AWS: a local endpoint speaking the
# Lambda Invoke API runs the handlers in process over moto and the SageMaker simulator on a simulated
# clock (src/sagemaker_rollout_testing/contract; the runner's patches: docs/registry.md, "Contract
# tests"). Every input set of registry/inputs, under each fault profile (none, throttle, timeout);
# report and logs in .contract-test/. Passes only when every set collects the 15 tests and passes
# them all (none skipped, xfailed or errored) and every harness check holds in every profile (CI
# runs it so).
CONTRACT_PROFILES ?= none,throttle,timeout
contract-test: venv tools
	$(BIN)/python -m sagemaker_rollout_testing.contract --project $(REGISTRY) --tools-python $(TOOLS_BIN)/python \
	  --profiles $(CONTRACT_PROFILES) --out .contract-test
