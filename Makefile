# Two commands set everything up on a fresh machine with Python 3.11+ and apt (or brew):
#   make demo   system packages, a virtual environment, lipsync; then analyze the bundled sample
#   make test   the same set-up plus the optional extras (diarize, cluster), then the whole suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The tests also need the optional extras. constraints/cpu.txt pins torch to its CPU build, so
# that nothing pulls the multi-GB CUDA packages.
$(VENV)/.installed-extras: $(VENV)/.installed constraints/cpu.txt
	$(BIN)/python -m pip install --quiet -c constraints/cpu.txt -e '.[test,diarize,cluster]'
	touch $@

demo: setup
	$(BIN)/lipsync analyze lipsync/data/sample.flac --script lipsync/data/sample.txt --preset rhubarb -f tsv

# spine-core from npm, for the consumer tests (tests/test_consumers.py); package-lock.json pins it.
tests/consumers/spine/node_modules/.package-lock.json: tests/consumers/spine/package-lock.json
	cd tests/consumers/spine && npm ci --no-audit --no-fund

test: setup $(VENV)/.installed-extras tests/consumers/spine/node_modules/.package-lock.json
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/accuracy.py ../shared/eval-dev/manifest.tsv

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
