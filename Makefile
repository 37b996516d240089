# Two commands do all set-up on a fresh machine:
#   make demo   — install into .venv and run the main job on the embedded default (SQLite, no services)
#   make test   — install into .venv and run the whole test suite (SQLite, then PostgreSQL + Redis + a real worker)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | sha1sum | cut -c1-12)
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/3

# pytest exits 5 when it collects no test (e.g. a marker filter matched nothing): not a failure here.
.PHONY: install constraints demo test test-sqlite test-services bench lint compose-smoke

# Exact versions from constraints.txt: the shipped models only load with the libraries that pickled them.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# Re-pin constraints.txt from what is installed in .venv (its comment header is kept).
constraints:
	$(BIN)/pip check
	{ sed '/^[^#]/,$$d' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -iv '^yuqing'; } \
		> constraints.txt.new
	mv constraints.txt.new constraints.txt

demo: install
	$(BIN)/yuqing demo

test: install test-sqlite test-services

# The whole suite on the embedded default (Redis-backed tests still use the real local Redis).
test-sqlite: install
	REDIS_TEST_URL=$(REDIS_TEST_URL) $(BIN)/pytest -q -p no:cacheprovider || [ $$? -eq 5 ]

# Everything that touches the database, queues or locks again on PostgreSQL with a real Redis broker
# and a real Celery worker.
test-services: install
	DATABASE_URL=$(PG_URL) REDIS_URL=$(REDIS_TEST_URL) REDIS_TEST_URL=$(REDIS_TEST_URL) \
		$(BIN)/pytest -q -p no:cacheprovider -m "not browser" response workers || [ $$? -eq 5 ]

bench: install
	$(BIN)/python -m bench.run

# Style, then the layers (pyproject's [tool.importlinter] contracts).
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The production deployment run for real (docs/deploy.md): its own dockerd (--bridge=none), a debootstrap
# base and the project image built here, compose up with deploy/compose.host.yml, a beat-driven crawl to
# the duty queue, scale-out and a killed worker. Root only; everything it starts is removed again.
compose-smoke: install
	timeout -k 60 900 $(BIN)/python deploy/compose_smoke.py
