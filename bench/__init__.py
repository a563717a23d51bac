"""Benchmarks: each ``bench/bench_*.py`` prints its figures against a baseline measured in the same run."""

from sample_site import use_profiles

use_profiles()  # benchmarks crawl and score the sample sites: their profiles apply
