# Two commands for a newcomer:  make book   and   make test
# Every target sets itself up: .venv is created and filled from the pinned
# constraints.txt when it is missing or out of date.

SHELL        := /bin/bash
PYTHON       ?= $(shell command -v python3.11 || command -v python3)
VENV         := .venv
BIN          := $(VENV)/bin
STAMP        := $(VENV)/.installed
NODE_STAMP   := node_modules/.installed
PORT         ?= 8000
HOST         ?= 127.0.0.1
BUILD        := _build/html
JB_FLAGS     := -W -n --keep-going
PYTEST_ARGS  ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup book html serve test test-unit test-notebooks lab bench student classroom hub pdf clean distclean

help:
	@echo "make book    set up, execute every notebook, build the site, serve it on http://$(HOST):$(PORT)"
	@echo "make test    set up, then run every test (strict book build, unit, classroom, hub, PDF, browser)"
	@echo "make html    build the site only (into $(BUILD))"
	@echo "make lab     JupyterLab on the chapters"
	@echo "make bench   NumPy vs torch.nn forward+backward timing"
	@echo "make student write the student edition (no solutions) into student/"
	@echo "make classroom  nbgrader course in classroom/: one assignment per chapter, released"
	@echo "make hub     JupyterHub for a class on http://$(HOST):8010 (deploy/README.md)"
	@echo "make pdf     the PDF edition, _build/pdf/rnn-course.pdf (XeLaTeX)"
	@echo "make clean   remove build outputs;  make distclean  also removes .venv"

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || { \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q -c constraints.txt setuptools wheel
	$(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation -e '.[data,book,test,lab]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (rnn-course)" > /dev/null
	@touch $(STAMP)

# MathJax 3 for the offline site, from the npm registry at the pinned version.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm (Node.js) is needed to install MathJax for the site: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

html: $(STAMP) $(NODE_STAMP)
	rm -rf _build/.doctrees _build/jupyter_execute
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter-book build . $(JB_FLAGS)

serve:
	@echo "Serving $(BUILD) on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory $(BUILD)

book: html serve

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# The strict book build executes every notebook once (their own asserts run
# there, and an error fails it); the tests then run on both cores: unit tests,
# the classroom's grading (each submission executed once), the hub, the PDF
# (from the build's outputs) and the browser. nbval: make test-notebooks.
test: $(STAMP) $(NODE_STAMP)
	$(MAKE) html
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest tests -n 2 --dist worksteal -p no:cacheprovider $(PYTEST_ARGS)

# Every notebook once more, cell by cell, under nbval.
test-notebooks: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest chapters --nbval-lax --nbval-current-env -p no:cacheprovider $(PYTEST_ARGS)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=$(HOST) chapters

bench: $(STAMP)
	$(BIN)/python -m rnn_helpers.experiments bench --seconds 30
	$(BIN)/python -m rnn_helpers.experiments.scan_bench

student: $(STAMP)
	rm -rf student
	$(BIN)/python scripts/make_student.py --out student
	@echo "Student edition written to student/ (open it with: $(BIN)/jupyter lab student)"

# nbgrader course (book/classroom.md): sources from the chapters' exercise
# markup, then nbgrader generate_assignment for every chapter.
classroom: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python scripts/make_classroom.py --course classroom
	@echo "Course in classroom/: cd classroom && ../$(BIN)/nbgrader --help (book/classroom.md)"

# JupyterHub on this machine for a class (deploy/README.md); the proxy comes
# from npm (package.json). Passwords: HUB_PASSWORD / HUB_ADMIN_PASSWORD, or
# generated into classroom/hub/passwords.txt.
hub: $(STAMP) $(NODE_STAMP)
	@test -d classroom/release || $(MAKE) classroom
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyterhub -f deploy/jupyterhub_config.py

# The PDF edition (XeLaTeX; Debian packages in .ci/run). Reuses the outputs of
# the last `make html` where the notebooks did not change since.
pdf: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python scripts/build_pdf.py --out _build/pdf

clean:
	rm -rf _build .pytest_cache student

distclean: clean
	rm -rf $(VENV) node_modules
