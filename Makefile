# Two commands set everything up on a fresh machine with Python 3.11+ and apt (or brew):
#   make demo   espeak-ng, a virtual environment and lipsync, nothing else; then analyze the
#               bundled sample into demo/ (XDTS timesheet, printable PDF, Rhubarb TSV, sheet JSON)
#   make test   also what the tests use (ffmpeg, CJK fonts, poppler, Chromium, Praat, Synfig,
#               Node.js and spine-core, pytest, Playwright) and the optional extras (diarize,
#               cluster); then the whole suite
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --disable-pip-version-check

.PHONY: setup demo test bench clean

setup: $(VENV)/.installed

# lipsync and its dependencies only (a regular install; `make test` makes it editable)
$(VENV)/.installed: pyproject.toml scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(PIP) install .
	touch $@

# The tests also need the optional system packages and extras. constraints/cpu.txt pins torch
# to its CPU build, so that nothing pulls the multi-GB CUDA packages.
$(VENV)/.installed-test: $(VENV)/.installed constraints/cpu.txt
	bash scripts/install-system-deps.sh --all
	$(PIP) install -c constraints/cpu.txt -e '.[test,diarize,cluster]'
	touch $@

demo: setup
	$(BIN)/lipsync analyze lipsync/data/sample.flac --script lipsync/data/sample.txt --preset rhubarb \
		-f tsv,xdts,pdf,sheet -o demo/sample
	@cat demo/sample.tsv
	@echo
	@echo "The sample's mouth timing (lipsync/data/sample.flac with its script sample.txt), in demo/:"
	@echo "  demo/sample.xdts  XDTS timesheet: open it in CLIP STUDIO PAINT EX, OpenToonz or TVPaint"
	@echo "  demo/sample.pdf   the printable X-sheet (dialogue, mouth drawings and waveform per frame)"
	@echo "  demo/sample.tsv   Rhubarb Lip Sync TSV, printed above: start time and mouth shape"
	@echo "  demo/sample.json  lipsync's sheet, for other formats: $(BIN)/lipsync export demo/sample.json -f dat -o demo/sample.dat"
	@echo "Next: $(BIN)/lipsync doctor (what is installed, what is missing), $(BIN)/lipsync --help"

# spine-core 4.2 and 4.3 from npm, for the consumer tests (tests/test_consumers.py); package-lock.json pins them.
tests/consumers/spine/node_modules/.package-lock.json: tests/consumers/spine/package-lock.json $(VENV)/.installed-test
	cd tests/consumers/spine && npm ci --no-audit --no-fund

test: $(VENV)/.installed-test tests/consumers/spine/node_modules/.package-lock.json
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/accuracy.py ../shared/eval-dev/manifest.tsv

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache demo
