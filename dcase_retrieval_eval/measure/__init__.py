"""The official metrics: per-query AP@k and R@k, the jackknife CI, and `score_aligned` which
ties them to a checked submission. Pure and vectorised.

May import: the shared vocabulary, `io/`, `formats/` and `check/`. Never rich or click.
"""
