"""Fault injection: damaged files and killed jobs against the tiny run."""
