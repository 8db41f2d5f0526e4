"""NumPy score matrices built to hurt: a `.npy` header that declares more data than the file
holds (up to petabytes), a header NumPy's own parser chokes on, an archive holding one array
twice. Each is a finding (M513, M509) and exit 1, read from the header before anything is
allocated, never a MemoryError or a tokenizer's error ending as an internal error.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .conftest import cli

CAPTIONS = [f"caption {q}" for q in range(6)]
CLIPS = [f"clip_{c}.wav" for c in range(3)]


def _gt(tmp_path: Path) -> Path:
    path = tmp_path / "gt.csv"
    rows = ["file_name,caption_1,caption_2"] + [
        f"{clip},{CAPTIONS[2 * c]},{CAPTIONS[2 * c + 1]}" for c, clip in enumerate(CLIPS)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _header(fields: dict[str, object], version: int = 1) -> bytes:
    """A .npy magic and header spelling `fields`, padded as NumPy pads it."""
    text = repr(fields).encode("latin1")
    text += b" " * (64 - (10 + len(text) + 1) % 64) + b"\n"
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<H", len(text)) + text


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _score(tmp_path: Path, submission: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, _ = cli("score", submission, "--gt", _gt(tmp_path), "--format", "json")
    return code, json.loads(out)


def _sidecars(tmp_path: Path, stem: str) -> None:
    np.save(tmp_path / f"{stem}.queries.npy", np.array(CAPTIONS))
    np.save(tmp_path / f"{stem}.file_names.npy", np.array(CLIPS))


def test_a_header_declaring_petabytes_of_scores_is_refused_unallocated(tmp_path: Path) -> None:
    path = tmp_path / "scores.npy"
    path.write_bytes(_header({"descr": "<f8", "fortran_order": False,
                              "shape": (6, 2**40)}) + b"\0" * 64)
    np.save(tmp_path / "scores.queries.npy", np.array(CAPTIONS))
    (tmp_path / "scores.file_names.npy").write_bytes(  # as many names as the header says
        _header({"descr": "<U1", "fortran_order": False, "shape": (2**40,)}) + b"\0" * 64)
    code, doc = _score(tmp_path, path)
    assert code == 1
    first = doc["findings"][0]
    assert first["code"] == "M513"
    assert "declares shape (6, 1099511627776) of float64" in first["message"]
    assert "holds 64 bytes of data" in first["message"]


def test_a_name_array_declaring_gigabytes_per_name_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "m.npy", np.zeros((6, 3), np.float32))
    (tmp_path / "m.queries.npy").write_bytes(
        _header({"descr": "<U100000000", "fortran_order": False, "shape": (6,)}) + b"\0" * 64)
    np.save(tmp_path / "m.file_names.npy", np.array(CLIPS))
    code, doc = _score(tmp_path, tmp_path / "m.npy")
    assert code == 1 and doc["counts"] == {"M513": 1}
    assert "'m.queries.npy' (queries) declares shape (6,) of <U100000000" in \
        doc["findings"][0]["message"]


def test_an_archive_member_declaring_more_than_it_unpacks_to_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sub.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("scores.npy", _header({"descr": "<f4", "fortran_order": False,
                                          "shape": (10**9, 10**9)}) + b"\0" * 64)
        zf.writestr("queries.npy", _npy_bytes(np.array(CAPTIONS)))
        zf.writestr("file_names.npy", _npy_bytes(np.array(CLIPS)))
    code, doc = _score(tmp_path, path)
    assert code == 1 and doc["counts"] == {"M513": 1}


def test_a_truncated_npy_is_refused_from_its_header(tmp_path: Path) -> None:
    whole = _npy_bytes(np.zeros((6, 3)))
    (tmp_path / "cut.npy").write_bytes(whole[:len(whole) - 8])
    _sidecars(tmp_path, "cut")
    code, doc = _score(tmp_path, tmp_path / "cut.npy")
    assert code == 1 and doc["counts"] == {"M513": 1}
    assert "(144 bytes) but holds 136 bytes" in doc["findings"][0]["message"]


def test_a_header_the_tokenizer_cannot_read_is_a_finding(tmp_path: Path) -> None:
    body = b"{'descr': __import__('os')}\n"
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", 16) + body)
    _sidecars(tmp_path, "bad")
    code, doc = _score(tmp_path, tmp_path / "bad.npy")
    assert code == 1 and doc["counts"] == {"M513": 1}
    assert "is not a readable .npy array" in doc["findings"][0]["message"]


def test_an_archive_holding_one_array_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "twice.npz"
    with zipfile.ZipFile(path, "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it is asked to write
        for scale in (1.0, -1.0):  # two different matrices under one name
            zf.writestr("scores.npy", _npy_bytes(scale * np.arange(18.0).reshape(6, 3)))
        zf.writestr("queries.npy", _npy_bytes(np.array(CAPTIONS)))
        zf.writestr("file_names.npy", _npy_bytes(np.array(CLIPS)))
    code, doc = _score(tmp_path, path)
    assert code == 1 and doc["counts"] == {"M509": 1}
    assert "holds 'scores.npy' more than once" in doc["findings"][0]["message"]


def test_a_non_finite_score_is_shown_as_a_plain_number(tmp_path: Path) -> None:
    scores = np.arange(18.0).reshape(6, 3)
    scores[2, 1] = np.inf
    np.savez(tmp_path / "inf.npz", scores=scores, queries=np.array(CAPTIONS),
             file_names=np.array(CLIPS))
    code, doc = _score(tmp_path, tmp_path / "inf.npz")
    assert code == 1
    assert doc["findings"][0]["message"] == "Score inf is not finite."
