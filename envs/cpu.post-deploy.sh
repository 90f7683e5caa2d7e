#!/usr/bin/env bash
# Snakemake runs this inside the new conda env, from the working directory
# (start Snakemake from the repository root): install this checkout of qwem.
set -euo pipefail
python -m pip install --no-deps -e .
