# One command to run the line, one to test it; each sets itself up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
BENCH_CALLERS ?= 1,10,50,100
BENCH_PACED_CALLERS ?= 1,10,50,100,200
BENCH_SECONDS ?= 10
BENCH_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/test
BENCH_STAMP := $(VENV)/.bench-installed

.PHONY: run test call check graph graph-readme bench dist clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## serve the line on localhost (config and prompts checked, database created or migrated first)
	$(BIN)/ivr serve --host $(HOST) --port $(PORT)

call: $(STAMP)  ## phone the line started by `make run`, from a second terminal
	$(BIN)/ivr call --url http://$(HOST):$(PORT)

test: $(STAMP)  ## lint, then the whole suite on SQLite, and on PostgreSQL when IVR_TEST_POSTGRES_URL names one
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	@if [ -n "$$IVR_TEST_POSTGRES_URL" ]; then \
		echo "== the whole suite again, on PostgreSQL"; \
		IVR_TEST_DATABASE=postgres $(BIN)/python -m pytest; \
	fi

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)  ## the line under load on SQLite and PostgreSQL beside a bare Flask ceiling
	$(BIN)/python -m benchmarks.load --callers $(BENCH_CALLERS) --seconds $(BENCH_SECONDS) \
		--json benchmarks/results/sqlite-throughput.json
	$(BIN)/python -m benchmarks.load --callers $(BENCH_CALLERS) --seconds $(BENCH_SECONDS) \
		--database-url $(BENCH_POSTGRES_URL) --json benchmarks/results/postgresql-throughput.json
	$(BIN)/python -m benchmarks.load --callers $(BENCH_PACED_CALLERS) --seconds $(BENCH_SECONDS) \
		--think 1 --json benchmarks/results/sqlite-paced.json
	$(BIN)/python -m benchmarks.load --callers $(BENCH_PACED_CALLERS) --seconds $(BENCH_SECONDS) \
		--think 1 --database-url $(BENCH_POSTGRES_URL) --json benchmarks/results/postgresql-paced.json
	$(BIN)/python -m benchmarks.plot benchmarks/results/sqlite-paced.json \
		benchmarks/results/postgresql-paced.json --out benchmarks/latency.png

check: $(STAMP)
	$(BIN)/ivr check

graph: $(STAMP)
	$(BIN)/ivr graph

dist: $(STAMP)  ## the sdist and the wheel an operator installs, in dist/
	$(BIN)/python -m build --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache .hypothesis

graph-readme: $(STAMP)  ## redraw README.md's flow diagram from the machine
	$(BIN)/python -c "from pathlib import Path; from ivr.graph import mermaid, with_diagram; p = Path('README.md'); p.write_text(with_diagram(p.read_text(), mermaid()))"
