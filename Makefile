# riskatlas: the two commands of the README are `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
# make demo SERVE=0 renders the maps and exits instead of serving the web app.
SERVE ?= 1

.PHONY: setup demo test check lint typecheck imports bench db-start db-stop db-status clean

setup:
	scripts/setup.sh

demo: setup
	$(BIN)/riskatlas demo run $(if $(filter 0 no false,$(SERVE)),--no-serve,--serve)

# make test: what CI runs: the linter, the type checker and the import contracts (as make check), then the tests.
test:
	scripts/setup.sh --test
	$(BIN)/ruff check app db layers maps demo tests bench
	$(BIN)/mypy app db layers maps demo bench
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest $(PYTEST_ARGS)

check: lint typecheck imports

# make bench: every benchmark at full (province) size, by hand; make bench SIZE=smoke: the CI size.
SIZE ?= full
bench: setup
	$(BIN)/python -m bench run all --size $(SIZE)

lint:
	$(BIN)/ruff check app db layers maps demo tests bench

# db/ strict, the rest with check_untyped_defs (pyproject.toml [tool.mypy])
typecheck:
	$(BIN)/mypy app db layers maps demo bench

# the data flows db -> layers -> maps -> app (pyproject.toml [tool.importlinter])
imports:
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports --no-cache

db-start:
	$(BIN)/riskatlas db start

db-stop:
	$(BIN)/riskatlas db stop

db-status:
	$(BIN)/riskatlas db status

clean:
	-$(BIN)/riskatlas db stop
	rm -rf out
