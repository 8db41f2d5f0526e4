"""A naive scorer shaped like the organizers' 2022 evaluation script, for benchmarking only.

Like that script it reads both CSVs with pandas, loops over the queries in Python building one
small NumPy array per query, and calls `astropy.stats.jackknife.jackknife_stats(x, np.mean, 0.95)`
per metric (which builds an n x (n-1) matrix). Usage: python naive_reference.py SUBMISSION GT
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pandas as pd
from astropy.stats.jackknife import jackknife_stats


def main(sub_path: str, gt_path: str) -> None:
    relevant = {}
    for row in pd.read_csv(gt_path).values.tolist():
        for caption in row[1:]:
            relevant[caption] = row[0]
    ranking = {row[0]: row[1:] for row in pd.read_csv(sub_path).values.tolist()}
    values: dict[str, list[float]] = {"mAP@10": [], "R@1": [], "R@5": [], "R@10": []}
    for caption, target in relevant.items():
        found = np.asarray([name == target for name in ranking[caption]])
        for k in (1, 5, 10):
            values[f"R@{k}"].append(float(np.sum(found[:k])))
        ranks = np.arange(1, 11, dtype=float)[found[:10]]
        values["mAP@10"].append(float(np.sum(np.arange(1, ranks.size + 1) / ranks)))
    out = {}
    for name, vector in values.items():
        x = np.asarray(vector)
        estimate, bias, std_err, interval = jackknife_stats(x, np.mean, 0.95)
        out[name] = {"value": float(np.mean(x)), "jackknife_estimate": float(estimate),
                     "std_err": float(std_err), "ci_low": float(interval[0]),
                     "ci_high": float(interval[1])}
    json.dump({"n_queries": len(relevant), "metrics": out}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
