"""Benchmarks. `make bench` runs every module listed in bench.__main__.BENCHMARKS.

Each module exposes `run(report: Report) -> None` and adds figures with `report.add(...)`. A figure
stands beside its baseline, measured in the same run, and the ratio, since the machines are shared
and noisy: absolute numbers vary from run to run, ratios much less.
"""
