# The two commands a person needs:  make run   and   make test.
# Every recipe runs with the project's tools first on PATH (the same as `. scripts/env.sh`):
# wasm-opt from npm binaryen 132 in tools/node_modules/.bin, then ~/.cargo/bin.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.NOTPARALLEL:

ROOT := $(CURDIR)
export PATH := $(ROOT)/tools/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_BUILD_JOBS ?= 2

# The server run by `make run` (the browser tests start their own on port 3100).
RUN_ADDR ?= 127.0.0.1:3000
RUN_DATABASE_URL ?= sqlite://data/registry.db?mode=rwc

WASM := target/site/pkg/registry.wasm
WASM_BUDGET := $(shell echo $$((250 * 1024)))

# All Rust packages in one cargo invocation, so features unify once and nothing builds twice.
RUST_PKGS := -p app -p migration -p server --features app/ssr

.PHONY: help tools build run test test-rust test-pg wasm-size e2e fuzz-api lint fmt clean

help:
	@echo "make run    build the release app and serve it with demo data on http://$(RUN_ADDR)"
	@echo "make test   unit + integration tests (SQLite; PostgreSQL too if TEST_DATABASE_URL is set),"
	@echo "            release build, wasm size, browser tests, API fuzz run (schemathesis)"
	@echo "make lint   clippy (server, migration, app for ssr and for wasm), rustfmt --check, the shape, cargo deny"
	@echo "make tools  install the missing build/test tools only (scripts/ensure-tools.sh)"

tools:
	@scripts/ensure-tools.sh

build: tools
	cargo leptos build --release

run: build
	mkdir -p data
	LEPTOS_OUTPUT_NAME=registry LEPTOS_SITE_ROOT=target/site LEPTOS_SITE_PKG_DIR=pkg \
	LEPTOS_SITE_ADDR='$(RUN_ADDR)' DATABASE_URL='$(RUN_DATABASE_URL)' \
	COUNTY_OFFICE_EMAIL="$${COUNTY_OFFICE_EMAIL:-office@shizhu.example}" \
	UPPER_LEVEL_EMAIL="$${UPPER_LEVEL_EMAIL:-upper@cq.example}" \
	  target/release/server serve --demo

test: tools test-rust test-pg build wasm-size e2e fuzz-api
	@echo "==> make test: all steps passed"

test-rust:
	@echo "==> Rust unit and integration tests; database backend: SQLite (TEST_DATABASE_URL unset)"
	env -u TEST_DATABASE_URL cargo test $(RUST_PKGS)

test-pg:
	@if [[ -n "$${TEST_DATABASE_URL:-}" ]]; then \
	  echo "==> server integration tests (--test api); database backend: PostgreSQL at $$(sed -E 's#//([^:/@]+):[^@]*@#//\1:***@#' <<<"$$TEST_DATABASE_URL")"; \
	  cargo test $(RUST_PKGS) --test api; \
	else \
	  echo "==> TEST_DATABASE_URL is not set: the PostgreSQL run of the integration tests is skipped (SQLite only)"; \
	fi

wasm-size:
	@scripts/wasm-size.sh '$(WASM)' '$(WASM_BUDGET)'

e2e:
	@echo "==> browser tests (Playwright + /usr/bin/chromium, release server on 127.0.0.1:3100)"
	cd e2e && npx playwright test

# schemathesis against the OpenAPI document, one API token per role (scripts/fuzz-api.sh).
fuzz-api: build
	@echo "==> API fuzz run: schemathesis from /api/v1/openapi.json against a release server"
	scripts/fuzz-api.sh

lint: tools
	cargo clippy $(RUST_PKGS) --all-targets -- -D warnings
	cargo clippy -p app --features hydrate --target wasm32-unknown-unknown -- -D warnings
	cargo fmt --all --check
	@echo "==> the code's shape (issue 16): scripts/check-shape.py against scripts/shape-baseline.txt"
	python3 scripts/check-shape.py --baseline scripts/shape-baseline.txt
	@echo "==> cargo deny: licences, bans and sources (deny.toml)"
	cargo deny --offline check licenses bans sources

fmt:
	cargo fmt --all

clean:
	cargo clean
	rm -rf e2e/test-results e2e/playwright-report
