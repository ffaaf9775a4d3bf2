"""Benchmarks: how fast the pipeline is, as ratios against limits measured in the same run.

Not tests (nothing here asserts a speed): `make bench` (or `.venv/bin/python -m benchmarks.run
[--quick]`) prints a table of ratios and writes it to `benchmarks/results/latest.md`.
"""
