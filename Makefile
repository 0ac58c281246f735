# ipndht — one machine: `make run` brings the whole system up, `make test` passes the tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROTO_OUT ?= gen
PROTOS := $(wildcard protos/ipndht/v1/*.proto)
BUF_VERSION := 1.75.0
BUF := .tools/node_modules/.bin/buf
PYTEST_ARGS ?=

.PHONY: setup proto run test test-faults lint lint-proto bench clean help

help:
	@echo "make run          the whole system on this machine (Redis + three services)"
	@echo "make test         the test suite (sets itself up when needed)"
	@echo "make test-faults  the full fault suite"
	@echo "make lint         ruff, mypy and buf lint"
	@echo "make bench        benchmarks -> bench/results.json and bench/results.md"
	@echo "make proto        regenerate gen/ipndht/v1 from protos/"
	@echo "make setup        virtual environment, dependencies, tools (idempotent)"

# The Node.js client's dependencies, once its lock file exists.
NODE_LOCK := $(wildcard clients/node/package-lock.json)
NODE_STAMP := $(if $(NODE_LOCK),clients/node/node_modules/.installed)

setup: $(STAMP) $(BUF) $(NODE_STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# buf (the protobuf linter) ships as an npm package; without npm the proto
# lint test says so plainly.
$(BUF):
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix .tools @bufbuild/buf@$(BUF_VERSION); \
	else echo "npm not found: buf lint unavailable (install Node.js and npm)"; fi

clients/node/node_modules/.installed: clients/node/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --silent --no-audit --no-fund --prefix clients/node && touch $@; \
	else echo "npm not found: the Node.js client test will say so (install Node.js and npm)"; fi

# The generated package: _pb2.py, _pb2_grpc.py and .pyi stubs for both, never
# edited by hand. tests/unit/test_proto_contract.py fails when it is stale.
proto: $(STAMP)
	@mkdir -p $(PROTO_OUT)/ipndht/v1
	@rm -f $(PROTO_OUT)/ipndht/v1/*_pb2*.py $(PROTO_OUT)/ipndht/v1/*_pb2*.pyi
	$(PY) -m grpc_tools.protoc -Iprotos \
		--python_out=$(PROTO_OUT) --pyi_out=$(PROTO_OUT) --grpc_python_out=$(PROTO_OUT) \
		--plugin=protoc-gen-mypy_grpc=$(VENV)/bin/protoc-gen-mypy_grpc \
		--mypy_grpc_out=$(PROTO_OUT) $(PROTOS) >/dev/null
	@touch $(PROTO_OUT)/ipndht/__init__.py $(PROTO_OUT)/ipndht/v1/__init__.py $(PROTO_OUT)/ipndht/py.typed

run: setup
	$(PY) -m services.launcher

# make test runs everything but the long fault suite; it fails when no test ran.
test: setup
	$(PY) -m pytest -m "not faults" -p no:cacheprovider $(PYTEST_ARGS)

# The fault suite; its figures (FAULT_FIGURE lines) go to bench/results.json.
FAULT_FIGURES := bench/.work/fault-figures.jsonl
test-faults: setup
	@mkdir -p bench/.work && rm -f $(FAULT_FIGURES)
	IPNDHT_FAULT_FIGURES=$(CURDIR)/$(FAULT_FIGURES) $(PY) -m pytest -m "faults" -p no:cacheprovider $(PYTEST_ARGS); \
	status=$$?; $(PY) -m bench.fault_figures $(FAULT_FIGURES) && $(PY) -m bench --render; exit $$status

lint: setup lint-proto
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

lint-proto: $(BUF)
	$(BUF) lint

bench: setup
	$(PY) -m bench

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache
