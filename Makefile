# One task runner for people and CI. `make demo` and `make test` set themselves up on first use.
VENV    := .venv
BIN     := $(VENV)/bin
PYTHON  := $(BIN)/python
STAMP   := $(VENV)/.installed
export PATH := $(abspath $(BIN)):$(PATH)
export TF_CPP_MIN_LOG_LEVEL := 3
export PYTHONWARNINGS := ignore

.PHONY: setup demo test test-fast lint lab release benchmark benchmark-grading clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/install-system-deps.sh
	@scripts/install-system-deps.sh
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip "setuptools>=70.1"  # builds wheels without the wheel package
	$(PYTHON) -m pip install --quiet -e ".[dev]"  # the course, the grader, and the dev tools
	@touch $(STAMP)

demo: setup
	$(PYTHON) -m autograder.demo

test: setup
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest -n 2 --dist loadgroup --durations=25

test-fast: setup
	$(PYTHON) -m pytest -n 2 --dist loadgroup -m "not slow" --durations=10

lint: setup
	$(PYTHON) -m ruff check .

lab: setup
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR)

benchmark: setup
	$(PYTHON) benchmarks/check_speed.py

benchmark-grading: setup  # about 15 minutes: classes of 8 and 20, then one notebook, nbgrader vs ours
	$(PYTHON) benchmarks/grading_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
