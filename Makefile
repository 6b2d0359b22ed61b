# Madoguchi — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN := .venv/bin
export MADOGUCHI_ENV ?= development
# Apps that keep their own catalogue in <app>/locale (the rest share madoguchi/locale).
LOCALE_APPS := knowledge reservations inbox

.PHONY: help setup run test lint fmt messages bench-booking telephony bench-telephony bench-interactions bench-reports

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

setup: ## create .venv and install the runtime dependencies (nothing is started)
	@bash scripts/bootstrap.sh run

run: setup ## set up, migrate, load the demo city and serve http://127.0.0.1:8000 with the worker
	@bash scripts/run.sh

test: ## install what tests need (PostgreSQL, Chromium) and run the suite on SQLite and PostgreSQL
	@bash scripts/test.sh

telephony: setup ## the SIP stack on loopback for the demo (Kamailio, rtpengine, media worker); Ctrl-C stops it
	@bash scripts/telephony.sh

bench-telephony: ## concurrent real SIP calls on loopback; last line: one JSON object
	@bash scripts/telephony-bench.sh

lint: ## ruff, ruff format --check and mypy --strict
	@bash scripts/bootstrap.sh dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy madoguchi conftest.py scripts/screenshot.py

fmt: ## format and fix what ruff can fix
	@bash scripts/bootstrap.sh dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: ## extract and compile translations (needs Debian gettext)
	@bash scripts/bootstrap.sh dev
	cd madoguchi && ../$(BIN)/madoguchi makemessages --no-obsolete -l en -l zh_Hans -l ko \
	  $(foreach app,$(LOCALE_APPS),--ignore $(app))
	for app in $(LOCALE_APPS); do \
	  (cd madoguchi/$$app && ../../$(BIN)/madoguchi makemessages --no-obsolete -l en -l zh_Hans -l ko) || exit 1; \
	done
	cd madoguchi && ../$(BIN)/madoguchi compilemessages

bench-booking: ## booking ceiling (pgbench), service, HTTP and staff latency on a throwaway PostgreSQL; last line JSON
	@bash scripts/bench-booking.sh

bench-interactions: ## export rate/memory (100,000 rows) and search p95 (1,000,000 rows) on a throwaway PostgreSQL
	@bash scripts/bootstrap.sh dev
	bash scripts/with-postgres.sh env MADOGUCHI_ENV=development bash -c \
	  '$(BIN)/madoguchi migrate -v 0 && $(BIN)/madoguchi bench_interactions --format json'

bench-reports: ## monthly and annual report build + Excel + PDF over a year of simulated Iwaki calls (≥ 500,000) on a throwaway PostgreSQL; last line JSON
	@bash scripts/bootstrap.sh dev
	bash scripts/with-postgres.sh env MADOGUCHI_ENV=development bash -c \
	  '$(BIN)/madoguchi migrate -v 0 && $(BIN)/madoguchi bench_reports --format json $(BENCH_ARGS)'
