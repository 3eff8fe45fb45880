# Two commands: `make book` builds the HTML book, `make test` runs every test.
# Both create .venv (Python 3.11) from the pinned requirements first if it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
BUILD_FLAGS := -W -n --keep-going

.PHONY: book test bench serve clean lint

book: $(READY)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "Built: $(CURDIR)/_build/html/index.html"

test: $(READY)
	$(BIN)/python -m pytest

bench: $(READY)
	$(BIN)/python bench/run.py

serve: book
	$(BIN)/python -m http.server --directory _build/html 8000

lint: $(READY)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

clean:
	rm -rf _build

$(READY): requirements.txt pyproject.toml package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error  # math.js, vendored into the site
	touch $@
