"""Benchmarks behind ``make bench``: each stage writes ``results/bench/<stage>.json``.

Speed is measured here, never in unit tests. Every figure that is compared
with another is measured side by side in the same run (the machines are
shared and noisy), and the JSON records the machine it ran on.
"""
