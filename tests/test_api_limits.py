"""The Python API honours `max_bytes` for every file it reads, the ground truth included, as the
CLI's --max-bytes does: a file over the limit is refused (F101) before it is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from dcase_retrieval_eval import score, validate
from dcase_retrieval_eval.errors import InputError


def _case(tmp_path: Path) -> tuple[Path, Path]:
    gt = tmp_path / "gt.csv"
    rows = "".join(f"clip_{i:03d}.wav,A sound number {i} in a long caption.\n" for i in range(40))
    gt.write_text("file_name,caption_1\n" + rows, encoding="utf-8")
    sub = tmp_path / "sub.csv"
    sub.write_text("caption,file_name_1\nA.,clip_000.wav\n", encoding="utf-8")
    return sub, gt


@pytest.mark.parametrize("run", [score, validate])
def test_the_ground_truth_over_max_bytes_is_refused(tmp_path: Path, run: object) -> None:
    sub, gt = _case(tmp_path)
    limit = sub.stat().st_size + 10  # the submission fits, the ground truth does not
    assert gt.stat().st_size > limit
    with pytest.raises(InputError) as caught:
        run(sub, gt, max_bytes=limit)  # type: ignore[operator]
    assert [f.code for f in caught.value.findings] == ["F101"]
