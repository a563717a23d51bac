# The two commands of the quick start: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean constraints

$(BIN)/python:
	$(PY) -m venv $(VENV)

# pip 23.2 mis-resolves lxml[html-clean]: upgrade pip before installing anything. constraints.txt pins
# every package to the version the tests passed with; PIN= (empty) installs from pyproject's ranges alone.
PIN ?= -c constraints.txt
$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(PIN) -e '.[dev]'
	touch $(STAMP)

# Record the venv the tests passed with as constraints.txt. Newer versions: make clean && make test PIN=
# && make constraints (README: Dependencies).
constraints: $(STAMP)
	{ echo "# Written by 'make constraints' from the tested venv ($$($(BIN)/python --version)): do not edit."; \
	  $(BIN)/python -m pip freeze --exclude-editable; } > constraints.txt
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/kb demo --out demo-out

test: $(STAMP)
	$(BIN)/ruff check crawler kb extract sites tests bench sample_site
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check crawler kb extract sites tests bench sample_site

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) demo-out build *.egg-info
