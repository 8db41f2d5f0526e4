"""Validate and score from Python on a generated challenge (no organizer files needed).

    python examples/score_from_python.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from dcase_retrieval_eval import load_ground_truth, score, validate
from dcase_retrieval_eval.cli.demo import make_challenge

with tempfile.TemporaryDirectory() as tmp:
    gt_path, systems = make_challenge(Path(tmp), n_files=100, seed=7)
    gt = load_ground_truth(gt_path)
    for path in systems:
        report = validate(path, gt)
        if not report.valid:
            print(report.summary)
            for finding in report.findings:
                print(f"  line {finding.line} col {finding.column} {finding.code}: "
                      f"{finding.message} ({finding.hint})")
            continue
        result = score(path, gt)
        main = result.metrics[result.main_metric]
        print(f"{path.name}: {result.main_metric} = {main.value:.3f} "
              f"[{main.ci_low:.3f}, {main.ci_high:.3f}]")
