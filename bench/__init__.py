"""`make bench`: the performance benchmark (see bench/run.py)."""
