# qwem: the two commands are `make run` and `make test`.
# Every target creates .venv on first use and installs the package into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
# The local install pins the CPU build of torch; GPU users install their own
# CUDA build of torch first (any version satisfying pyproject.toml is kept).
TORCH  ?= torch==2.13.0
# an overlay (e.g. config/text8.yaml); empty = the profile's or the embedded default
CONFIG ?=
PROFILE ?= default
CORES  ?= all
SNAKEMAKE_ARGS ?=

# rules run `qwem ...`: put the venv's scripts first on PATH
export PATH := $(BIN):$(PATH)

STAMP := $(VENV)/.installed

.PHONY: install run unlock test test-fast test-faults test-cluster bench lint format report clean-venv help

help:
	@echo "make run    [CONFIG=config/text8.yaml] [CORES=2]  run the pipeline"
	@echo "make test                                       lint + the test suite"
	@echo "make test-cluster                               tiny DAG on a local SLURM cluster, a job killed and resumed (root)"
	@echo "make test-faults                                every fault case: truncate, flip, delete, SIGKILL (~20 min)"
	@echo "make bench                                      benchmarks -> results/bench/"
	@echo "make unlock [CONFIG=...]                       remove a stale Snakemake lock after a crash"
	@echo "make lint | format | install"

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e '.[test,dev,slurm]'
	touch $@

SMK = $(BIN)/snakemake --workflow-profile workflow/profiles/$(PROFILE) \
	$(if $(CONFIG),--configfile $(CONFIG))
RUN_NAME = $$($(BIN)/python -c 'import sys; from qwem.config import run_name; \
	print(run_name(*sys.argv[1:]))' workflow/profiles/$(PROFILE)/config.yaml $(CONFIG))

# the whole DAG, then the HTML report (figures and tables with their captions)
run: $(STAMP)
	@$(BIN)/python -m qwem.runtime locks
	$(SMK) --cores $(CORES) $(SNAKEMAKE_ARGS)
	$(MAKE) --no-print-directory report

# after a crash: remove the stale lock (same profile and config as the run)
unlock: $(STAMP)
	$(SMK) --cores 1 --unlock

report: $(STAMP)
	$(SMK) --cores 1 --report "results/$(RUN_NAME)/report.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy src/qwem
	$(BIN)/snakefmt --check Snakefile workflow/
	$(BIN)/snakemake --lint --cores 1 -n

# test files are spread over TEST_WORKERS processes (pytest-xdist), each
# file's tests in one process: on 2 cores the suite takes 9 min instead of 13
TEST_WORKERS ?= 2

test: lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --durations=20

# every fault case: truncate, flip and delete each file between stages, and
# SIGKILL in each long stage (tests/faults; about 20 minutes on 2 cores)
test-faults: $(STAMP)
	$(BIN)/python -m pytest -m faults tests/faults -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not workflow and not cluster" -x -q

# installs Debian's slurm-wlm + munge and starts a one-node cluster (root, apt):
# tests/cluster/slurm_local.sh: the tiny DAG through it, and a job killed mid-run
# and resumed (tests/cluster/kill_resume.py), the two at once on 2 processes
test-cluster: $(STAMP)
	$(BIN)/python -m pytest -m cluster tests/cluster -v -n 2

bench: $(STAMP)
	TQDM_DISABLE=1 $(BIN)/python -m qwem.bench $(STAGES)

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests
	$(BIN)/snakefmt Snakefile workflow/

clean-venv:
	rm -rf $(VENV)
