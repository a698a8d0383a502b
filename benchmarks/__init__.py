"""Benchmarks run by `make perf`."""
