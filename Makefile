# Two commands: `make book` builds the HTML book, `make test` runs every test. A third, optional: `make pdf`.
# Both create .venv (Python 3.11) from the pinned requirements first if it is missing or stale.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
BUILD_FLAGS := -W -n --keep-going

.PHONY: book test pdf bench mutation serve clean lint chromium texlive

book: $(READY)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	@echo "Built: $(CURDIR)/_build/html/index.html"

# Two workers (the machine has two cores); conftest.py keeps each chapter's nbval cells (one kernel) on one worker.
TEST_WORKERS ?= 2

# Lint first (ruff, a second): a style error fails the tests as a failing test does. Then every chapter under nbval,
# which fills the build's execution cache (conftest.py), then everything else: the build the page tests read serves
# the chapters from that cache, so each chapter executes once.
test: $(READY) chromium lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) book
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests answers checks derivations experiments tools

# The browser tests use Debian's chromium. As root, `make test` installs it (and says so first); without root the
# browser tests are skipped (and say why).
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && echo "Installing Debian's chromium for the browser tests (apt-get install chromium, as root)" && apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "chromium is missing and cannot be installed without root: the browser tests will be skipped"

# The whole book as one PDF, _build/latex/backprop-verified.pdf (Jupyter Book's LaTeX builder, xelatex). The HTML book
# is built after it: the PDF is copied beside the pages and their download menu offers it. Then a check proves the
# PDF complete (pages, references, glyphs, the HTML book's equations). latexmk keeps state from a failed run, so
# every build starts from an empty _build/latex (the executed chapters come from the cache).
pdf: $(READY) texlive
	rm -rf _build/latex
	$(BIN)/jupyter-book build . --builder pdflatex $(BUILD_FLAGS)
	$(BIN)/jupyter-book build . $(BUILD_FLAGS)
	$(BIN)/python -m tools.pdf_check

# Debian's TeX Live for `make pdf` (and poppler-utils for its check). As root it installs what is missing (and says so
# first); without root it says what to install.
TEXLIVE := texlive-xetex latexmk texlive-latex-extra texlive-latex-recommended texlive-fonts-recommended lmodern \
	fonts-freefont-otf fonts-dejavu-core poppler-utils
texlive:
	@missing="$$(for p in $(TEXLIVE); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done | xargs)"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then echo "Installing Debian's TeX Live for the PDF (apt-get install $$missing, as root)" \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else echo "make pdf needs Debian packages that only root can install: apt-get install --no-install-recommends $$missing"; exit 1; fi

bench: $(READY)
	$(BIN)/python -m bench.run

# Mutation testing of answers/, checks/ and derivations/ (low priority; not part of make test). Its measured run time and scores are in bench/mutation.md.
mutation: $(READY)
	nice -n 19 $(BIN)/mutmut run --max-children 2; $(BIN)/mutmut results

serve: book
	$(BIN)/python -m http.server --directory _build/html 8000

# Style (ruff) and types (mypy over answers/, checks/, derivations/ and experiments/, configured in pyproject.toml).
lint: $(READY)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf _build

$(READY): requirements.txt pyproject.toml package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error  # MathJax, which typesets the math at build time
	touch $@
