"""A system left out of the ranking for its meta file is left out for the meta file's errors:
the reason names those codes, never a warning of its package (no technical report, a stray
file), which an organizer would otherwise chase as the cause."""

from __future__ import annotations

from pathlib import Path

from dcase_retrieval_eval import rank

from .organizer_data import make_challenge


def test_the_reason_names_the_meta_errors_not_the_packages_warnings(tmp_path: Path) -> None:
    gt, uploads = make_challenge(tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.8)],
                                            "Lee_KAIST": [("Lee_KAIST_task6b_1", 0.5)]},
                                 n_files=20)
    lee = uploads / "pkg01"
    (lee / "task6b" / "Lee_KAIST_task6b_1" / "Lee_KAIST_task6b_1.meta.yaml").unlink()
    (lee / "Lee_KAIST_task6b.technical_report.pdf").unlink()  # a P727 warning as well
    board = rank(uploads, gt, rounds=99, bootstrap_rankings=0)
    assert [s.label for s in board.systems] == ["Doe_UniX_task6b_1"]
    (left_out,) = board.rejected
    assert left_out.label == "Lee_KAIST_task6b_1"
    assert left_out.reason == "missing or invalid meta-information (P702)"
    assert set(left_out.codes) == {"P702", "P727"}  # the codes column still lists both,
    assert left_out.codes_text == "P702, P727"      # in code order
