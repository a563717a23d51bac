# The two commands of the quick start: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)

# pip 23.2 mis-resolves lxml[html-clean]: upgrade pip before installing anything.
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
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
