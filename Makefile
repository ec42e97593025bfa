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
# Modules are compiled once and the bytecode kept (__pycache__, ignored by
# git), also where the environment sets PYTHONDONTWRITEBYTECODE, as on the
# course machines: there, with no .pyc in .venv, every Python process compiled
# torch, matplotlib, nbformat and the rest from source (3 s more for every
# notebook kernel, 2.4 s for every nbgrader command, and pytest rewrote every
# test module in every worker).
unexport PYTHONDONTWRITEBYTECODE
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help setup book html serve test test-unit test-notebooks lab bench student classroom hub pdf clean distclean

help:
	@echo "make book    set up, execute every notebook, build the site, serve it on http://$(HOST):$(PORT)"
	@echo "make test    set up, then run every test (strict book build, unit, classroom, hub, PDF, browser)"
	@echo "make html    build the site only (into $(BUILD))"
	@echo "make lab     JupyterLab on the chapters (their Lab edition, in lab/)"
	@echo "make bench   NumPy vs torch.nn forward+backward timing"
	@echo "make student write the student edition (no solutions) into student/"
	@echo "make classroom  nbgrader course in classroom/: one assignment per chapter, released"
	@echo "make hub     JupyterHub for a class on http://$(HOST):8010 (deploy/README.md)"
	@echo "make pdf     the PDF edition, _build/pdf/rnn-course.pdf (XeLaTeX)"
	@echo "make clean   remove build outputs;  make distclean  also removes .venv"

setup: $(STAMP) $(NODE_STAMP)

# pip installs uv (pinned in the lock file), and uv installs the lock file:
# the same pins, several times faster (parallel downloads, no bytecode
# compiled at install time: what is imported is compiled once, at its first
# import, since make unexports PYTHONDONTWRITEBYTECODE). uv does not read
# pip's configuration, so pip's find-links (PIP_FIND_LINKS or pip.conf: a
# machine's local wheels, such as torch's CPU build) are handed to it.
# USE_UV=0 installs with pip alone.
USE_UV       ?= 1
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json

$(STAMP): constraints.txt pyproject.toml
	@test -x $(BIN)/python || { \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q -c constraints.txt setuptools wheel $(if $(filter 1,$(USE_UV)),uv)
	@if [ "$(USE_UV)" = 1 ]; then \
	  links="$${PIP_FIND_LINKS:-$$($(BIN)/python -m pip config get global.find-links 2>/dev/null)}"; \
	  flags=""; for link in $$links; do flags="$$flags --find-links $$link"; done; \
	  echo "$(BIN)/uv pip install -c constraints.txt$$flags --no-build-isolation -e '.[data,book,test,lab]'"; \
	  $(BIN)/uv pip install --python $(BIN)/python -q -c constraints.txt $$flags \
	    --no-build-isolation -e '.[data,book,test,lab]' \
	  || { echo "uv failed: installing with pip"; \
	       $(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation -e '.[data,book,test,lab]'; }; \
	else \
	  echo "$(BIN)/python -m pip install -c constraints.txt --no-build-isolation -e '.[data,book,test,lab]'"; \
	  $(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation -e '.[data,book,test,lab]'; \
	fi
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (rnn-course)" > /dev/null
	@# JupyterLab saves the explorers' widget state with the notebook, so a
	@# saved, run notebook reopened without a kernel still shows their controls
	@# (jupyterlab_widgets' "Save Widget State Automatically"; default settings
	@# of this environment, which a user's own settings override).
	@mkdir -p $(dir $(LAB_SETTINGS))
	@echo '{"@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": true}}' > $(LAB_SETTINGS)
	@touch $(STAMP)

# MathJax 3 for the offline site, from the npm registry at the pinned version.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm > /dev/null || { echo "npm (Node.js) is needed to install MathJax for the site: apt-get install nodejs npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

BUILD_HTML   := rm -rf _build/.doctrees _build/jupyter_execute && \
                PATH="$(abspath $(BIN)):$$PATH" $(BIN)/jupyter-book build . $(JB_FLAGS)
html: $(STAMP) $(NODE_STAMP)
	$(BUILD_HTML)

serve:
	@echo "Serving $(BUILD) on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind $(HOST) --directory $(BUILD)

book: html serve

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests $(PYTEST_ARGS)

# The strict book build executes every notebook once (their own asserts run
# there, and an error fails it). It runs one notebook at a time, about one
# core, so the tests that do not read the site run beside it on both cores
# (unit tests, the classroom's grading with each submission executed once,
# the hub), and the PDF edition is built from the build's outputs right
# after it; then the tests that read them (marked `site` by tests/conftest.py:
# the static site, the browser, and tests/test_pdf.py on $(PDF_BUILT)).
# nbval: make test-notebooks.
PDF_BUILT    := _build/pdf
BUILD_PDF    := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python scripts/build_pdf.py
PYTEST       := PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest tests -n 2 --dist worksteal -p no:cacheprovider --durations=12
test: $(STAMP) $(NODE_STAMP)
	@mkdir -p _build
	@echo "make html (strict; log in _build/html.log), then make pdf (log in $(PDF_BUILT)/build.log), beside: pytest -m 'not site'"
	@rm -rf $(PDF_BUILT); mkdir -p $(PDF_BUILT)
	@( $(BUILD_HTML) > _build/html.log 2>&1; echo $$? > _build/html.status; \
	   if [ "$$(cat _build/html.status)" = 0 ]; then \
	     $(BUILD_PDF) --out $(PDF_BUILT) --site "" > $(PDF_BUILT)/build.log 2>&1; \
	     echo $$? > $(PDF_BUILT)/build.status; fi ) & \
	start=$$(date +%s); \
	$(PYTEST) -m "not site" $(PYTEST_ARGS); unit=$$?; \
	wait; html=$$(cat _build/html.status); tail -n 25 _build/html.log; \
	echo "tests beside the build and the build: $$(( $$(date +%s) - start )) s"; \
	if [ "$$html" != 0 ]; then echo "make html failed ($$html): see _build/html.log"; exit 1; fi; \
	PDF_BUILT=$(PDF_BUILT) $(PYTEST) -m site $(PYTEST_ARGS); site=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s after set-up"; \
	for s in $$unit $$site; do case $$s in 0|5) ;; *) exit $$s;; esac; done; \
	if [ $$unit = 5 ] && [ $$site = 5 ]; then exit 5; fi

# Every notebook once more, cell by cell, under nbval.
test-notebooks: $(STAMP)
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest chapters --nbval-lax --nbval-current-env -p no:cacheprovider $(PYTEST_ARGS)

# The JupyterLab edition (scripts/lab_edition.py): copies of the chapters in
# lab/ whose text jupyterlab-myst renders (numbers, references, folded
# solutions). Students edit those copies; chapters/ stays the source.
lab: $(STAMP)
	$(BIN)/python scripts/lab_edition.py --out lab
	$(BIN)/jupyter lab --ip=$(HOST) --LabApp.app_settings_dir=lab/.jupyterlab-settings lab

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
	$(BUILD_PDF) --out $(PDF_BUILT)

clean:
	rm -rf _build .pytest_cache student

distclean: clean
	rm -rf $(VENV) node_modules
