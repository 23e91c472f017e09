# Marketing Engine — the two commands are `make run` and `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
export MARKETING_ENGINE_HOME ?= $(CURDIR)/.marketing_engine
BRAND ?=
# Passed on as given (make's abspath splits on spaces); Python resolves it against this folder.
ifneq ($(BRAND),)
export MARKETING_ENGINE_BRAND := $(BRAND)
endif
# Keep the ML stack offline and quiet.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: run test dev serve bench lint setup clean workers

setup:
	@scripts/bootstrap.sh run

run: setup
	@$(PY) -m marketing_engine.cli run

test:
	@scripts/bootstrap.sh test
	@$(PY) -m pytest -n 2 --dist loadfile --durations=15 --cov --cov-report=term:skip-covered --cov-fail-under=85 $(PYTEST_ARGS)

dev: setup
	@home="$$($(PY) -c 'from marketing_engine.settings import dagster_home_dir; print(dagster_home_dir())')" && \
	  { test -f "$$home/dagster.yaml" || cp dagster.yaml "$$home/"; } && \
	  DAGSTER_HOME="$$home" .venv/bin/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

serve: setup
	@$(PY) -m marketing_engine.cli serve

bench:
	@scripts/bootstrap.sh bench
	@$(PY) -m benchmarks

# Celery workers for MARKETING_ENGINE_EXECUTOR=celery (deploy/README.md): N workers on this machine,
# named NAME1@host..., consuming QUEUES (a render host: `make workers N=1 QUEUES=video NAME=render`).
N ?= 2
QUEUES ?= dagster,video,crawl
NAME ?= w
workers: setup
	@scripts/workers.sh "$(N)" "$(QUEUES)" "$(NAME)"

lint: setup
	@.venv/bin/ruff check marketing_engine tests benchmarks

clean:
	rm -rf -- "$$MARKETING_ENGINE_HOME"
