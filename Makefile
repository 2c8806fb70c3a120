# Learners: `make lab`. Contributors and CI: `make test`, `make test-browser`, `make test-colab`.
# Each installs into .venv what it needs, once (again only when pyproject.toml changes), saying what it does.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
LAB    := $(VENV)/.ganlib-lab
TESTS  := $(VENV)/.ganlib-test
PYTEST_ARGS ?=
COLAB_ARGS  ?=

.PHONY: install install-test lab test test-unit test-notebooks test-learner test-browser test-colab data students claims site test-site clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the course needs Python >= 3.11; this is " + sys.version.split()[0] + " (make PYTHON=python3.12 ...)")'
	@echo "== creating the virtual environment $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV). On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	@$(PY) -m pip install -q --upgrade pip

# What learning needs: ganlib (editable) with its runtime dependencies, JupyterLab and a kernel.
$(LAB): pyproject.toml | $(PY)
	@echo "== installing the course into $(VENV): ganlib, PyTorch, JupyterLab (the first time about 2 minutes and 6 GB;"
	@echo "   README 'Start here' says how to get the 4 GB smaller CPU-only PyTorch)"
	$(PY) -m pip install --progress-bar on -e '.[lab]'
	@echo "== registering the Jupyter kernel 'python3' of $(VENV)"
	@$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

# The test tooling on top (pytest, nbval, Playwright).
$(TESTS): pyproject.toml $(LAB)
	@echo "== adding the test tooling to $(VENV): pytest, nbval, Playwright"
	$(PY) -m pip install --progress-bar on -e '.[test]'
	@touch $@

install: $(LAB)

# The venv with the test tooling too (CI makes it first, before suites that run side by side need it).
install-test: $(TESTS)

# JupyterLab refuses to run as root unless told (containers, CI machines): tell it there.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(LAB)
	@echo "== opening JupyterLab on notebooks/ (Ctrl-C twice to stop)"
	$(VENV)/bin/jupyter lab notebooks/ $(LAB_ARGS)

# Fashion-MNIST once (downloaded when missing and online), or stop with the three ways to get it.
data: $(LAB)
	@$(PY) tools/get_data.py

# In the tests a claim a notebook makes that does not hold stops the run (a learner's run explains it and goes on).
CHECKED := GANLIB_STRICT_CLAIMS=1 GANLIB_OFFLINE=1 MPLBACKEND=agg

# Unit tests and every notebook, student and worked versions (nbval), with the tiny `ci` budgets, offline.
# Two test files at a time (pytest-xdist; a notebook's cells stay together), each on one torch thread: on two
# cores that is faster than one process with two threads, and far faster on a busy machine (no thread oversubscription).
# NBVAL: the notebooks nbval runs (`.ci/run` gives none: its test-colab runs the worked ones in ci, its learner's
# path the student ones in cpu).
TEST_JOBS ?= 2
NBVAL     ?= notebooks/
test: $(TESTS) data
	@echo "== unit tests$(if $(strip $(NBVAL)), and the notebooks in $(NBVAL),) (GANLIB_PROFILE=ci, offline, $(TEST_JOBS) at a time)"
	GANLIB_PROFILE=ci GANLIB_THREADS=1 $(CHECKED) $(PY) -m pytest -p no:cacheprovider -n $(TEST_JOBS) --dist loadfile \
	  tests/ --nbval-lax --nbval-current-env --nbval-cell-timeout=600 $(NBVAL) $(PYTEST_ARGS)

test-unit: $(TESTS) data
	GANLIB_PROFILE=ci $(CHECKED) $(PY) -m pytest tests/ $(PYTEST_ARGS)

test-notebooks: $(TESTS) data
	GANLIB_PROFILE=ci $(CHECKED) $(PY) -m pytest --nbval-lax --nbval-current-env notebooks/ $(PYTEST_ARGS)

# The learner's path: every student notebook top to bottom in the `cpu` profile, exercises unfinished, with a
# seed other than the default 0 (the one the text was written with); it fails if a cell raises or a claim fails, and
# lists them all. Two notebooks at a time, each on one torch thread, as the course's policy gives a 2-core laptop.
# The runs keep their figures in build/executed/cpu/ (the site's cache: `make test-site SITE_PROFILE=cpu` shows them)
# and their claims in build/learner/cpu.md.
LEARNER_SEED ?= 2
LEARNER_JOBS ?= 2
test-learner: $(TESTS) data
	@echo "== the student notebooks as a learner runs them (GANLIB_PROFILE=cpu GANLIB_SEED=$(LEARNER_SEED))"
	GANLIB_THREADS=1 GANLIB_OFFLINE=1 $(PY) tools/claims_across_seeds.py --profile cpu --seeds $(LEARNER_SEED) \
	  --jobs $(LEARNER_JOBS) --cell-timeout 1800 --check --site-cache --out build/learner

# The student notebooks in notebooks/, made from the worked ones in notebooks/solutions/ (edit those, then this).
students: $(LAB)
	$(PY) -m ganlib.homework student notebooks/solutions notebooks --link

# Which of the notebooks' claims hold for every seed: runs the cpu course for seeds 0-3 (about two hours on a slow 2-core machine).
claims: $(LAB)
	$(PY) tools/claims_across_seeds.py --profile cpu --seeds 0-3 --jobs 2

# JupyterLab in headless Chromium (Debian's chromium): run notebooks, drive their widgets, screenshots in build/browser/.
# (The site's browser test needs the site's venv: `make test-site` runs it.)
test-browser: $(TESTS) data
	GANLIB_BROWSER=1 GANLIB_PROFILE=ci GANLIB_OFFLINE=1 $(PY) -m pytest -p no:cacheprovider -q -s tests/browser \
	  --ignore=tests/browser/test_site.py $(PYTEST_ARGS)

# The course as Colab gets it: a fresh venv with torch and ipywidgets 7.7.1, the setup cell's install
# (non-editable, runtime dependencies only), every notebook run from a copy outside the repository, two at a time.
# The student notebooks; `make test-colab COLAB_ARGS=--worked` the worked ones (what CI runs).
# torch and torchvision are $(VENV)'s, linked, not installed again (pip installs them when $(VENV) has none).
test-colab:
	$(PYTHON) tests/colab/run_colab.py --torch-from $(VENV) $(COLAB_ARGS)

# The course site (build/site/html): the student notebooks run in PROFILE (cached in build/executed/ by their code
# and ganlib's source), rendered by jupyter-book 1.x from its own venv (the `site` extra), offline.
# `make site PROFILE=ci` is the fast one; SITE_JOBS notebooks run at a time.
PROFILE   ?= cpu
SITE_JOBS ?= 1
SITE_VENV := build/site-venv
$(SITE_VENV)/.ganlib-site: pyproject.toml
	@echo "== installing jupyter-book 1.x into $(SITE_VENV) (the site's own venv, about 270 MB)"
	@$(PYTHON) -m venv $(SITE_VENV)
	$(SITE_VENV)/bin/python -m pip install -q --no-compile "$$(sed -n 's/^site = \["\(.*\)"\]$$/\1/p' pyproject.toml)"
	@touch $@

site: $(LAB) $(SITE_VENV)/.ganlib-site data
	GANLIB_THREADS=$${GANLIB_THREADS:-1} $(PY) tools/build_site.py --profile $(PROFILE) --jobs $(SITE_JOBS) --venv $(SITE_VENV)

# The site opened in headless Chromium: every page, link and image, alt text, no script error. Built in the ci
# profile (its notebooks run first, a few minutes), or from the learner's runs that `make test-learner` cached:
# `make test-site SITE_PROFILE=cpu SITE_SEED=2` (what CI does; it stops if a run is not in the cache).
SITE_PROFILE ?= ci
SITE_SEED    ?= 0
test-site: $(TESTS) $(SITE_VENV)/.ganlib-site data
	GANLIB_BROWSER=1 GANLIB_THREADS=1 GANLIB_SITE_PROFILE=$(SITE_PROFILE) GANLIB_SITE_SEED=$(SITE_SEED) \
	  $(PY) -m pytest -p no:cacheprovider -q tests/browser/test_site.py $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache
