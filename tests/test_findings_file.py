"""F1xx findings, the file as bytes, through `dcase-eval validate`: too large for --max-bytes
(F101), empty (F102), NUL bytes (F103), not UTF-8 with the cell of the first bad byte (F104),
unreadable (F105). Data from `tests/builders.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .builders import HEADER, codes, csv_text, only, sub_file, topk_rows, validate, where, write
from .conftest import ROOT, check_no_crash, cli


def test_F101_file_too_large(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    limit = sub.stat().st_size - 1
    assert gt.stat().st_size <= limit  # the limit applies to the ground truth too
    code, doc = validate(sub, gt, "--max-bytes", str(limit))
    f = only(doc, "F101")
    assert (code, where(f), f["file"]) == (1, (0, 0), str(sub))
    assert "--max-bytes" in f["hint"]
    # the same file under a limit it fits is valid
    assert validate(sub, gt, "--max-bytes", str(limit + 1))[0] == 0


def test_F101_ground_truth_too_large(tmp_path: Path, gt: Path) -> None:
    sub = sub_file(tmp_path, topk_rows())
    code, doc = validate(sub, gt, "--max-bytes", "100")
    f = only(doc, "F101")
    assert (code, where(f), f["file"]) == (1, (0, 0), str(gt))
    assert doc["valid"] is False


def test_F102_empty_file(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(write(tmp_path / "sub.csv", b""), gt)
    assert (code, where(only(doc, "F102"))) == (1, (0, 0))


def test_F102_only_blank_lines(tmp_path: Path, gt: Path) -> None:
    code, doc = validate(write(tmp_path / "sub.csv", "\n\r\n  \n"), gt)
    assert (code, where(only(doc, "F102"))) == (1, (0, 0))


def test_F103_nul_bytes(tmp_path: Path, gt: Path) -> None:
    text = csv_text([HEADER, *topk_rows()])
    lines = text.split("\n")
    lines[3] = lines[3].replace("c.wav", "c\0.wav", 1)  # physical line 4, a file cell
    code, doc = validate(write(tmp_path / "sub.csv", "\n".join(lines)), gt)
    f = only(doc, "F103")
    assert code == 1
    assert (f["line"], f["column"]) == (4, 4)  # the row of 'A dog, barking twice.': cell 4


def test_F104_cp1252(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[4][0] = "Café noise."  # line 6, cell 1
    data = csv_text([HEADER, *rows]).encode("cp1252")
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    f = only(doc, "F104")
    assert (code, where(f)) == (1, (6, 1))
    assert "1252" in f["hint"]


def test_F104_cp1252_in_a_file_cell(tmp_path: Path, gt: Path) -> None:
    rows = topk_rows()
    rows[2][3] = "Ré.wav"  # line 4, cell 4
    data = csv_text([HEADER, *rows]).encode("cp1252")
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    assert (code, where(only(doc, "F104"))) == (1, (4, 4))


def test_F104_on_a_line_across_read_chunks(tmp_path: Path, gt: Path) -> None:
    """The file is checked in 1 MiB chunks; the cell is still found when its line began earlier."""
    rows = topk_rows()
    rows[1][0] = "x" * ((1 << 20) + 100)  # line 3 starts in the first chunk, ends in the second
    rows[1][7] = "Ré.wav"  # cell 8
    data = csv_text([HEADER, *rows]).encode("cp1252")
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    assert (code, where(only(doc, "F104"))) == (1, (3, 8))


def test_F104_old_mac_file(tmp_path: Path, gt: Path) -> None:
    """Excel's 'CSV (Macintosh)': Mac Roman bytes and CR line ends; lines count at each CR."""
    rows = topk_rows()
    rows[2][4] = "Ré.wav"  # line 4, cell 5
    data = csv_text([HEADER, *rows], lineterminator="\r").encode("mac_roman")
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    f = only(doc, "F104")
    assert (code, where(f)) == (1, (4, 5))
    assert "Mac Roman" in f["hint"]


def test_F104_cell_in_a_semicolon_file_with_cr_line_ends(tmp_path: Path, gt: Path) -> None:
    """The cell of a bad byte is counted with the header's delimiter, found past CR line ends."""
    rows = topk_rows()
    rows[1][6] = "Ré.wav"  # line 4 (after a blank line), cell 7; a caption below has a comma
    data = ("\r" + csv_text([HEADER, *rows], delimiter=";", lineterminator="\r")).encode("cp1252")
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    assert (code, where(only(doc, "F104"))) == (1, (4, 7))


def test_F104_line_count_with_crlf_split_across_chunks(tmp_path: Path, gt: Path) -> None:
    """A CR LF pair cut by the 1 MiB read boundary is one line end, not two."""
    rows = topk_rows()
    head = csv_text([HEADER, rows[0]], lineterminator="\r\n").encode()
    row2 = csv_text([rows[1]], lineterminator="\r\n").encode()
    rows[1][0] = "x" * ((1 << 20) + 1 - len(head) - len(row2) + len(rows[1][0]))  # CR ends chunk 1
    rows[3][3] = "Ré.wav"  # line 5, cell 4
    data = csv_text([HEADER, *rows], lineterminator="\r\n").encode("cp1252")
    assert data[(1 << 20) - 1 : (1 << 20) + 1] == b"\r\n"
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    assert (code, where(only(doc, "F104"))) == (1, (5, 4))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_F104_utf16(tmp_path: Path, gt: Path, encoding: str) -> None:
    """UTF-16 with or without a byte-order mark is 'not UTF-8' with a UTF-16 hint, not binary."""
    data = csv_text([HEADER, *topk_rows()]).encode(encoding)
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    f = only(doc, "F104")
    assert (code, where(f)) == (1, (1, 1))
    assert "UTF-16" in f["hint"]
    assert "F103" not in codes(doc)


def test_F104_truncated_multibyte_at_end(tmp_path: Path, gt: Path) -> None:
    text = csv_text([HEADER, *topk_rows()]).rstrip("\n")
    data = text.encode("utf-8") + "é".encode()[:1]
    code, doc = validate(write(tmp_path / "sub.csv", data), gt)
    f = only(doc, "F104")
    assert code == 1 and f["line"] == 61


def test_F105_unreadable(tmp_path: Path, gt: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read error after the argument check (e.g. the file vanished or an I/O error)."""
    sub = sub_file(tmp_path, topk_rows())
    import builtins

    real_open = builtins.open

    def failing_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(sub):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", failing_open)
    code, doc = validate(sub, gt)
    assert (code, where(only(doc, "F105"))) == (1, (0, 0))


def test_a_pipe_is_refused_not_called_empty(sub_and_gt: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    sub, gt_path = sub_and_gt
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "dcase_retrieval_eval", "validate", "/dev/stdin",
                           "--gt", str(gt_path)], input=sub.read_text(encoding="utf-8"),
                          capture_output=True, text=True, env=env, cwd=ROOT)
    check_no_crash(proc.returncode, proc.stdout, proc.stderr, "validate /dev/stdin")
    assert proc.returncode == 2 and "F102" not in proc.stdout + proc.stderr
    assert "not a regular file" in proc.stderr
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    code, out, err = cli("score", sub, "--gt", fifo)
    assert code == 2 and "not a regular file" in err
    from dcase_retrieval_eval.formats.submission import load_submission

    codes = [f.code for f in load_submission(fifo).findings]
    assert codes == ["F105"]
