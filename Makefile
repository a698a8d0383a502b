# GroupLoop — one entry point for every job. `make help` lists the targets.
# Each target installs what it needs into .venv (and node_modules) on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
HOST_LIB := firmware/build/host/libgrouploop_core.so

.DEFAULT_GOAL := help
.PHONY: help setup up test lint perf chaos soak flash bench docs clean firmware-host firmware-test browser mbedtls redis

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 16

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --silent
	touch $@

$(HOST_LIB): $(shell find firmware/core firmware/host -type f 2>/dev/null) | mbedtls
	$(MAKE) -C firmware/host lib

setup: $(STAMP) $(NODE_STAMP) $(HOST_LIB) redis ## install Python, JS and host-firmware dependencies into the project

# The firmware core checks OTA signatures with mbedTLS (ESP-IDF's on the device); the host
# build links Debian's.
mbedtls: ## install Debian's libmbedtls-dev for the host build of the firmware core (root only)
	@[ -f /usr/include/mbedtls/pk.h ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libmbedtls-dev >/dev/null; } || { echo "libmbedtls-dev is missing: run 'sudo apt-get install libmbedtls-dev'"; exit 1; }

browser: ## install Debian's chromium for the browser tests (root only)
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium not installed: browser tests will skip (fail under CI=true)"

# Only a cluster needs Redis (`grouploop up --hubs N`, the cluster tests): one hub runs without.
redis: ## install Debian's redis-server for the hub cluster and its tests (root only)
	@command -v redis-server >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; } || echo "redis-server not installed: 'make up' runs one hub; 'grouploop up --hubs N' and the cluster tests need it (the tests skip, fail under CI=true)"

up: setup ## start hub (5003), CDN (5008), docs (5006), web apps and a few virtual devices
	$(BIN)/grouploop up

test: setup browser redis lint ## build and test everything: lint, firmware core (ASan/UBSan), Python, browser, HIL on emulated boards
	$(MAKE) -C firmware/host test
	node --experimental-websocket --test tests/js/ tests/browser/
	$(BIN)/pytest

lint: setup ## ruff and mypy (Python), ESLint and Prettier (JavaScript, CSS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy hub grouploop cdn emulator bench web benchmarks pytest_embedded_grouploop
	npx eslint .
	npx prettier --check .

perf: setup ## load benchmark: prints throughput, loss, latency and CPU tables (one hub, then two hubs through Redis), OTA signature cost, the four web apps' fps and click latency
	$(PY) -m benchmarks.hub
	$(PY) -m benchmarks.cluster
	$(PY) -m benchmarks.emulator
	$(MAKE) -s -C firmware/host perf-ota
	$(PY) -m benchmarks.web

chaos: setup ## fault/abuse benchmark (printed): CDN under 1,000 slow clients, hub flood and command amplification, bricks per 20 power cuts, publish under kills and races
	$(PY) -m benchmarks.slow_clients
	$(PY) -m benchmarks.chaos_hub
	$(PY) -m benchmarks.power_cuts
	$(PY) -m benchmarks.publish_chaos

SOAK_MINUTES ?= 30
soak: setup ## soak: hub + 500 emulated devices + 5 subscribers + commands + OTA (SOAK_MINUTES=30)
	$(PY) -m benchmarks.soak --minutes $(SOAK_MINUTES)

flash: setup ## flash every attached board (or PORT=… / BOARD=…) in parallel and verify
	$(BIN)/grouploop flash $(if $(PORT),--port $(PORT)) $(if $(BOARD),--board $(BOARD))

bench: setup ## build, publish, flash, run the HIL suites (again on a 2-hub cluster), write a report (PORT=…/BOARD=…; emulated boards when none is attached)
	$(BIN)/grouploop bench $(if $(PORT),--port $(PORT)) $(if $(BOARD),--board $(BOARD))

docs: setup ## build the documentation site (strict)
	$(BIN)/mkdocs build --strict

firmware-host: $(HOST_LIB) ## build the firmware core as a host library

firmware-test: mbedtls ## unit tests of the firmware core under ASan/UBSan
	$(MAKE) -C firmware/host test

clean: ## remove build outputs and caches (keeps .venv)
	rm -rf firmware/build site build .pytest_cache .ruff_cache .mypy_cache test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
