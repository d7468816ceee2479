# newsfeed: `make run` starts the whole system on this machine; `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
AWS_PORT ?= 4566
DATA ?= .newsfeed-data
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck template-lint pytest bench eval-related eval-search build deploy clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The local stack keeps its state in $(DATA); FRESH=1 deletes it first, once confirmed.
run: $(STAMP)
	$(BIN)/python -m infra.local_stack --port $(PORT) --aws-port $(AWS_PORT) --data "$(DATA)" $(if $(FRESH),--fresh)

test: lint typecheck template-lint pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# cfn-lint (raw, serverless rules, SAM-translated) and checkov, from a venv of their own: see infra/template_checks.py.
CHECKS_VENV ?= .venv-checks
$(CHECKS_VENV)/.installed: infra/checks-requirements.txt
	test -x $(CHECKS_VENV)/bin/python || $(PYTHON) -m venv $(CHECKS_VENV)
	$(CHECKS_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKS_VENV)/bin/python -m pip install --quiet -r infra/checks-requirements.txt
	touch $@

template-lint: $(CHECKS_VENV)/.installed
	$(CHECKS_VENV)/bin/python -m infra.template_checks

# The unit and integration tests on every CPU (each test has its own moto), then the e2e and browser tests,
# which start local stacks of their own, one module at a time.
pytest: $(STAMP)
	$(BIN)/pytest -n auto tests/unit tests/integration
	$(BIN)/pytest --durations=10 tests/browser tests/e2e

# The cold-start benchmark runs the API in the Lambda runtime's Python (3.13) with the pinned requirements.
.venv-lambda/bin/python: layer/requirements.txt
	$(if $(PY313_DIR),$(PY313_DIR)/python3.13,python3.13) -m venv .venv-lambda
	.venv-lambda/bin/python -m pip install --quiet -r layer/requirements.txt
	touch $@

bench: $(STAMP) .venv-lambda/bin/python
	$(BIN)/python -m tests.bench

# Related-article quality: precision at 5 on ../shared/corpora/ag_news_test.csv (about 90 s).
eval-related: $(STAMP)
	$(BIN)/python -m tests.bench.eval_related

eval-search: $(STAMP)
	$(BIN)/python -m tests.bench.eval_search

# `sam build` needs the SAM CLI and the Lambda runtime's Python (3.13) on PATH. The SAM CLI gets a venv of
# its own (its pins clash with moto's); Python 3.13 is taken from PATH, else from pyenv.
SAM_VENV ?= .venv-sam
PY313_DIR := $(shell python3.13 --version >/dev/null 2>&1 || ls -d $$(pyenv root 2>/dev/null || echo $$HOME/.pyenv)/versions/3.13*/bin 2>/dev/null | tail -1)
SAM_PATH := $(if $(PY313_DIR),$(PY313_DIR):,)$(PATH)

$(SAM_VENV)/bin/sam:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --upgrade pip aws-sam-cli

# sam build ships no bytecode, and Lambda cannot write any: compile what it built (infra/bytecode.py).
build: $(SAM_VENV)/bin/sam
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --config-file infra/samconfig.toml
	PATH="$(SAM_PATH)" python3.13 -m infra.bytecode .aws-sam/build

deploy: build
	PATH="$(SAM_PATH)" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam deploy --guided --config-file infra/samconfig.toml

clean:
	rm -rf $(VENV) $(SAM_VENV) $(CHECKS_VENV) .aws-sam .mypy_cache .pytest_cache .ruff_cache
