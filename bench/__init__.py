"""Benchmarks: each ``bench/bench_*.py`` prints its figures against a baseline measured in the same run."""
