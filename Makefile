# The two commands of the README: `make run` and `make test`. Everything else is a step of theirs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EMULATOR := tests/e2e/node_modules/telegram-test-api/package.json

.PHONY: run test bench bench-quick install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

$(EMULATOR): tests/e2e/package.json
	cd tests/e2e && npm install --no-audit --no-fund --silent

run: install
	$(BIN)/briefbot start

test: install $(EMULATOR)
	$(BIN)/python -m pytest -q

bench: install $(EMULATOR)
	$(BIN)/python -m benchmarks.run

bench-quick: install $(EMULATOR)
	$(BIN)/python -m benchmarks.run --quick

clean:
	rm -rf $(VENV) tests/e2e/node_modules briefing.db state.db
