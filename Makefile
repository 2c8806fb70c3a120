# Learners: `make lab`. Contributors and CI: `make test`, `make test-browser`, `make test-colab`.
# Each installs into .venv what it needs, once (again only when pyproject.toml changes), saying what it does.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
LAB    := $(VENV)/.ganlib-lab
TESTS  := $(VENV)/.ganlib-test
PYTEST_ARGS ?=
COLAB_ARGS  ?=

.PHONY: install lab test test-unit test-notebooks test-browser test-colab data clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "the course needs Python >= 3.11; this is " + sys.version.split()[0] + " (make PYTHON=python3.12 ...)")'
	@echo "== creating the virtual environment $(VENV) with $$($(PYTHON) --version)"
	@$(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV). On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	@$(PY) -m pip install -q --upgrade pip

# What learning needs: ganlib (editable) with its runtime dependencies, JupyterLab and a kernel.
$(LAB): pyproject.toml | $(PY)
	@echo "== installing the course into $(VENV): ganlib, PyTorch, JupyterLab (the first time about 2 minutes and 6 GB;"
	@echo "   README 'Set up' says how to get the 4 GB smaller CPU-only PyTorch)"
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

# JupyterLab refuses to run as root unless told (containers, CI machines): tell it there.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: $(LAB)
	@echo "== opening JupyterLab on notebooks/ (Ctrl-C twice to stop)"
	$(VENV)/bin/jupyter lab notebooks/ $(LAB_ARGS)

# Fashion-MNIST once (downloaded when missing and online), or stop with the three ways to get it.
data: $(LAB)
	@$(PY) tools/get_data.py

# Unit tests and every notebook (nbval), with the tiny `ci` budgets, offline.
test: $(TESTS) data
	@echo "== unit tests and every notebook (GANLIB_PROFILE=ci, offline)"
	GANLIB_PROFILE=ci GANLIB_OFFLINE=1 MPLBACKEND=agg $(PY) -m pytest -p no:cacheprovider tests/ \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 notebooks/ $(PYTEST_ARGS)

test-unit: $(TESTS) data
	GANLIB_PROFILE=ci GANLIB_OFFLINE=1 MPLBACKEND=agg $(PY) -m pytest tests/ $(PYTEST_ARGS)

test-notebooks: $(TESTS) data
	GANLIB_PROFILE=ci GANLIB_OFFLINE=1 MPLBACKEND=agg $(PY) -m pytest --nbval-lax --nbval-current-env notebooks/ $(PYTEST_ARGS)

# JupyterLab in headless Chromium (Debian's chromium): run notebooks, drive their widgets, screenshots in build/browser/.
test-browser: $(TESTS) data
	GANLIB_BROWSER=1 GANLIB_PROFILE=ci GANLIB_OFFLINE=1 $(PY) -m pytest -p no:cacheprovider -q -s tests/browser $(PYTEST_ARGS)

# The course as Colab gets it: a fresh venv with torch and ipywidgets 7.7.1, the setup cell's install
# (non-editable, runtime dependencies only), every notebook run from a copy outside the repository.
test-colab:
	$(PYTHON) tests/colab/run_colab.py $(COLAB_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache
