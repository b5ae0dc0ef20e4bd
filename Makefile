# riskatlas: the two commands of the README are `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
# make demo SERVE=0 renders the maps and exits instead of serving the web app.
SERVE ?= 1

.PHONY: setup demo test bench lint db-start db-stop db-status clean

setup:
	scripts/setup.sh

demo: setup
	$(BIN)/riskatlas demo run $(if $(filter 0 no false,$(SERVE)),--no-serve,--serve)

test:
	scripts/setup.sh --test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# make bench: every benchmark at full (province) size, by hand; make bench SIZE=smoke: the CI size.
SIZE ?= full
bench: setup
	$(BIN)/python -m bench run all --size $(SIZE)

lint:
	$(BIN)/ruff check app db layers maps tests bench

db-start:
	$(BIN)/riskatlas db start

db-stop:
	$(BIN)/riskatlas db stop

db-status:
	$(BIN)/riskatlas db status

clean:
	-$(BIN)/riskatlas db stop
	rm -rf out
