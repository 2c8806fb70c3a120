# Two commands for learners: `make lab` and `make test`. Both create .venv and install the course first.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.ganlib-installed
PYTEST_ARGS ?=

.PHONY: install lab test test-unit test-notebooks test-browser clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

install: $(STAMP)

# JupyterLab refuses to run as root unless told (containers, CI machines): tell it there.
LAB_ARGS ?= $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

lab: install
	$(VENV)/bin/jupyter lab notebooks/ $(LAB_ARGS)

# Unit tests and every notebook (nbval), with the tiny `ci` budgets.
test: install
	GANLIB_PROFILE=ci MPLBACKEND=agg $(PY) -m pytest -p no:cacheprovider tests/ \
	  --nbval-lax --nbval-current-env --nbval-cell-timeout=600 notebooks/ $(PYTEST_ARGS)

test-unit: install
	GANLIB_PROFILE=ci MPLBACKEND=agg $(PY) -m pytest tests/ $(PYTEST_ARGS)

test-notebooks: install
	GANLIB_PROFILE=ci MPLBACKEND=agg $(PY) -m pytest --nbval-lax --nbval-current-env notebooks/ $(PYTEST_ARGS)

# JupyterLab in headless Chromium (Debian's chromium): run notebooks, drive their widgets, screenshots in build/browser/.
test-browser: install
	GANLIB_BROWSER=1 GANLIB_PROFILE=ci $(PY) -m pytest -p no:cacheprovider -q -s tests/browser $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build .pytest_cache
