# nndl companion: `make book` builds the site, `make test` checks everything.
# Both create .venv on first use and reinstall it whenever requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

.PHONY: help install book pot test lab notebooks bench clean

help:
	@echo "make book       build both editions into _build/html/en and _build/html/zh (warnings are errors)"
	@echo "make pot        re-extract the pages' text and update the Chinese catalogs in locales/"
	@echo "make test       unit tests, strict nbval on every notebook, and the book build"
	@echo "make lab        open JupyterLab on notebooks/"
	@echo "make notebooks  re-execute every notebook in place (outputs and widget state)"
	@echo "make bench      time the fast kernels against the loop references (and PyTorch if installed)"
	@echo "make clean      remove _build and caches (keeps .venv)"

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

book: $(STAMP)
	$(BIN)/python book/_ext/editions.py html
	@echo "Open $(CURDIR)/_build/html/index.html"

pot: $(STAMP)
	$(BIN)/python book/_ext/editions.py pot

test: $(STAMP)
	$(BIN)/python -m pytest

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

notebooks: $(STAMP)
	MPLBACKEND=module://matplotlib_inline.backend_inline \
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=300 --ExecutePreprocessor.kernel_name=python3 \
	    --ExecutePreprocessor.record_timing=False \
	    $(or $(NB),$(NOTEBOOKS))
	$(BIN)/python book/_ext/translated_notebooks.py   # notebooks/zh/: the same outputs, Chinese text

bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf _build .pytest_cache .hypothesis
