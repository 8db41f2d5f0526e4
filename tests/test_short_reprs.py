"""What a notebook shows when it echoes a loaded submission: one line saying what was read,
not every query and file name (hundreds of thousands of characters for Clotho's 5,225)."""

from __future__ import annotations

from pathlib import Path

from dcase_retrieval_eval import load_submission
from dcase_retrieval_eval.cli.demo import make_challenge


def test_a_submission_echoes_as_one_line(tmp_path: Path) -> None:
    _, systems = make_challenge(tmp_path, n_files=400, seed=2)  # 2,000 queries
    strong, broken = systems[0], systems[-1]
    shown = repr(load_submission(strong))
    assert shown == (f"Submission(path={str(strong)!r}, format='topk', rows=2000, files=400, "
                     "depth=10, findings=0)")
    shown = repr(load_submission(broken))
    assert "\n" not in shown and len(shown) < 300
    assert shown.endswith("findings=1 (C204 x1))"), shown


def test_a_ground_truth_echoes_as_one_line(tmp_path: Path) -> None:
    gt_path, _ = make_challenge(tmp_path, n_files=400, seed=3)
    from dcase_retrieval_eval import load_ground_truth

    gt = load_ground_truth(gt_path)
    assert repr(gt) == (f"GroundTruth(source={str(gt_path)!r}, queries=2000, audio=400, "
                        "format='clotho', relevant=2000, findings=0)")
    narrowed = gt.with_audio_set(["extra.wav"])
    assert "audio=401" in repr(narrowed) and len(repr(narrowed)) < 300
