# Linli: `make run` starts the whole platform locally, `make test` installs what it needs and
# runs every check. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY_BASE ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SRC_DIRS := $(wildcard services/*/src) proto
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: help install python-deps system-deps run stop status test test-unit test-integration test-e2e lint format proto proto-check monitoring monitoring-check bench clean-data

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

system-deps: ## Install missing system tools (Java 17, Maven, Go) with apt-get
	@bash deploy/local/system-deps.sh

$(STAMP): pyproject.toml requirements.lock
	@test -x $(PY) || $(PY_BASE) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.lock
	@# Source folders go on the path (namespace package `linli` spans them); no build step.
	@site=$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  printf '%s\n' $(addprefix $(CURDIR)/,$(SRC_DIRS)) > "$$site/linli-dev.pth"
	@touch $(STAMP)

python-deps: $(STAMP) ## Create .venv with pinned Python dependencies only (enough for lint and unit tests)
	@site=$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])'); \
	  printf '%s\n' $(addprefix $(CURDIR)/,$(SRC_DIRS)) > "$$site/linli-dev.pth"

install: system-deps python-deps ## Python dependencies plus the system tools the brokers need

run: install ## Start Kafka, FerretDB, every service and seed demo data (data persists)
	@bash deploy/local/platform.sh start

stop: ## Stop everything `make run` started
	@bash deploy/local/platform.sh stop

status: ## Show what is running
	@bash deploy/local/platform.sh status

proto: python-deps ## Regenerate Python code from proto/linli/v1/*.proto
	@set -o pipefail; PYTHON=$(CURDIR)/$(PY) proto/generate.sh 2>&1 | { grep -v '^Writing mypy' || true; }
	@$(PY) proto/asyncapi.py

proto-check: python-deps ## Fail when generated proto code is stale
	@tmp=$$(mktemp -d); out=$$(PYTHON=$(CURDIR)/$(PY) proto/generate.sh "$$tmp" 2>&1) || { echo "$$out"; exit 1; }; \
	  stale=0; for f in $$tmp/linli/v1/*; do \
	    cmp -s "$$f" "proto/linli/v1/$$(basename $$f)" || { echo "stale: proto/linli/v1/$$(basename $$f)"; stale=1; }; \
	  done; \
	  for f in proto/linli/v1/*_pb2*.py*; do [ -f "$$tmp/linli/v1/$$(basename $$f)" ] || { echo "orphan: $$f"; stale=1; }; done; \
	  $(PY) proto/asyncapi.py "$$tmp/asyncapi.json" && { cmp -s "$$tmp/asyncapi.json" proto/linli/v1/asyncapi.json || { echo "stale: proto/linli/v1/asyncapi.json"; stale=1; }; }; \
	  rm -rf "$$tmp"; \
	  if [ $$stale = 1 ]; then echo "generated code is stale: run 'make proto'"; exit 1; fi; \
	  echo "proto-check: generated code is up to date"

monitoring: python-deps ## Regenerate the PrometheusRule and promtool tests from deploy/prometheus/
	$(PY) deploy/prometheus/generate.py

monitoring-check: python-deps ## Fail when the generated PrometheusRule or promtool tests are stale
	@tmp=$$(mktemp -d); $(PY) deploy/prometheus/generate.py "$$tmp" || { rm -rf "$$tmp"; exit 1; }; \
	  stale=0; for f in $$(cd "$$tmp" && find . -type f | sort); do \
	    cmp -s "$$tmp/$$f" "$$f" || { echo "stale: $${f#./}"; stale=1; }; \
	  done; \
	  for f in deploy/prometheus/tests/*.yml; do \
	    [ -f "$$tmp/$$f" ] || { echo "orphan: $$f (no deploy/prometheus/cases/$$(basename $$f))"; stale=1; }; \
	  done; \
	  rm -rf "$$tmp"; \
	  if [ $$stale = 1 ]; then echo "monitoring files are stale: run 'make monitoring'"; exit 1; fi; \
	  echo "monitoring-check: generated monitoring files are up to date"

lint: python-deps ## ruff (lint and format check) and mypy (strict); needs only Python
	$(VENV)/bin/ruff check services tests bench proto/asyncapi.py
	$(VENV)/bin/ruff format --check services tests bench proto/asyncapi.py
	$(VENV)/bin/mypy services/*/src tests bench proto/asyncapi.py

format: python-deps ## Apply ruff's formatter
	$(VENV)/bin/ruff format services tests bench proto/asyncapi.py

test-unit: python-deps ## Unit tests only (no brokers; needs only Python)
	$(PY) -m pytest tests/unit -q -p no:cacheprovider

test-integration: install ## Integration tests against a real Kafka broker and FerretDB
	$(PY) -m pytest tests/integration -q -p no:cacheprovider

test-e2e: install ## End-to-end tests: every service as a process, real brokers
	$(PY) -m pytest tests/e2e -q -p no:cacheprovider

test: install lint proto-check monitoring-check ## Install, lint, proto-check, then every test against real Kafka and FerretDB
	$(PY) -m pytest tests -q -p no:cacheprovider

bench: install ## Benchmarks; results as ratios against a baseline measured in the same run
	@bash bench/run.sh

clean-data: stop ## Delete local data (Kafka log, FerretDB files)
	rm -rf deploy/local/data
