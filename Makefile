# csplan: everything installs into a local .venv from this project's own files.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
LINTED := src tests $(wildcard benchmarks/*.py)

.PHONY: run test test-lowest lint format bench browser debian-packages print-debian-packages clean

# Debian packages the tests use: chromium (the report test opens the HTML in a real
# browser, driven by Playwright, which downloads no browser of its own),
# fonts-liberation2 (Arial's metrics, which the report's chart labels are fitted to),
# poppler-utils (pdftotext reads the report's printed pages) and LibreOffice's Calc
# (recalculates the workbooks). Installed by `make test` where it can (as root, or
# with sudo); elsewhere the tests that need them say so and are skipped.
DEBIAN_PACKAGES ?= chromium fonts-liberation2 poppler-utils libreoffice-calc-nogui

# Install csplan and run the main job on the shipped data.
run: $(VENV)/.installed
	$(BIN)/csplan savings status

# Install the test and lint extras and run the whole test suite. (The browser test of
# csplan report needs Debian's chromium; .ci/run installs it, elsewhere it is skipped.)
test: $(VENV)/.installed-dev debian-packages
	$(BIN)/python -m pytest

# Install whichever of DEBIAN_PACKAGES are missing (apt-get, as root or through sudo).
debian-packages:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then echo "not Debian: install $$missing by hand, or those tests are skipped"; exit 0; fi; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo -n"; \
	echo "installing Debian packages: $$missing"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null \
	  || echo "could not install $$missing: the tests that need them are skipped"

# The test suite again on the lowest version of every dependency pyproject.toml declares
# (uv's lowest-direct resolution, in a venv of its own), so the lower bounds stay true.
test-lowest:
	test -x .venv-uv/bin/uv || ($(PYTHON) -m venv .venv-uv && .venv-uv/bin/python -m pip install --quiet uv)
	rm -rf .venv-lowest
	.venv-uv/bin/uv venv --quiet --python $(PYTHON) .venv-lowest
	.venv-uv/bin/uv pip install --quiet --python .venv-lowest/bin/python --resolution lowest-direct -e '.[test]'
	.venv-uv/bin/uv pip list --python .venv-lowest/bin/python | grep -iE '^(typer|rich|pydantic|pyyaml|ruamel|yaml-rs|openpyxl|jinja2|orjson) '
	.venv-lowest/bin/python -m pytest -q -p no:cacheprovider

# Static checks, as CI runs them.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

format: $(VENV)/.installed-dev
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

# Timings and peak memory on generated data (not a test: nothing fails on speed).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

print-debian-packages:
	@echo $(DEBIAN_PACKAGES)

# The Debian packages alone (make test runs this first).
browser: debian-packages

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# An editable install leaves csplan's modules uncompiled; compile them as a regular
# install would, so start-up is the same where PYTHONDONTWRITEBYTECODE is set.
$(VENV)/.installed: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q src/csplan
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q src/csplan
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .venv-lowest .venv-uv build src/*.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
