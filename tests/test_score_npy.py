"""Score matrices from NumPy files: `.npz` (or `.npy` with its name sidecars) scores exactly as the
same matrix in CSV, and every bad file is a finding with its code, never a traceback."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dcase_retrieval_eval import load_submission, score, validate
from tests.conftest import run_cli

FILES = [f"clip {i:02d}, take {i % 3}.wav" for i in range(40)] + ["d'eau café.wav"]


def _case(tmp: Path, seed: int, dtype: Any = np.float64, *, ties: bool = False
          ) -> tuple[Path, Path, np.ndarray, list[str]]:
    """A 2025 correspondence ground truth and its score matrix, in CSV (the 2025 baseline's
    `index,<files>` layout, as pandas writes it)."""
    rng = np.random.default_rng(seed)
    queries = [f"query {q}: a sound, with \"quotes\"" for q in range(50)]
    with open(tmp / "gt.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["query", "audio_filenames"])
        for q in queries:
            rel = rng.choice(len(FILES), int(rng.integers(1, 6)), replace=False)
            w.writerow([q, repr([FILES[i] for i in rel])])
    scores = rng.normal(size=(len(queries), len(FILES))).astype(dtype)
    if ties:
        scores = np.round(scores, 1).astype(dtype)
    with open(tmp / "sub.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["index", *FILES])
        for q, row in zip(queries, scores.tolist(), strict=True):
            w.writerow([q, *map(repr, row)])
    return tmp / "gt.csv", tmp / "sub.csv", scores, queries


def _same(a: Any, b: Any) -> None:
    assert list(a.metrics) == list(b.metrics)
    for m in a.metrics:
        assert a.metrics[m] == b.metrics[m], m
    for m, v in a.per_query.values.items():
        np.testing.assert_array_equal(v, b.per_query.values[m])


@pytest.mark.parametrize(("dtype", "ties"), [(np.float64, False), (np.float64, True),
                                             (np.float32, False)])
def test_npz_scores_as_the_csv_matrix(tmp_path: Path, dtype: Any, ties: bool) -> None:
    gt, csv_sub, scores, queries = _case(tmp_path, 1, dtype, ties=ties)
    npz = tmp_path / "sub.npz"
    np.savez(npz, scores=scores, queries=np.array(queries), file_names=np.array(FILES))
    sub = load_submission(npz)
    assert sub.format == "matrix" and not sub.findings
    _same(score(npz, gt), score(csv_sub, gt))
    proc = run_cli("score", npz, "--gt", gt, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["metrics"]["mAP@16"]["value"] == pytest.approx(
        score(csv_sub, gt).metrics["mAP@16"].value, abs=0)
    assert run_cli("validate", npz, "--gt", gt).returncode == 0
    assert validate(npz, gt).valid


def test_pandas_keys_npy_sidecars_and_compressed_archives(tmp_path: Path) -> None:
    gt, csv_sub, scores, queries = _case(tmp_path, 2)
    expected = score(csv_sub, gt)
    # a pandas DataFrame's parts, as the 2025 baseline builds it (index = the queries)
    pandas_like = tmp_path / "df.npz"
    np.savez_compressed(pandas_like, values=scores, index=np.array(queries),
                        columns=np.array(FILES))
    _same(score(pandas_like, gt), expected)
    # a .npy of the scores with its two sidecars
    np.save(tmp_path / "m.npy", scores)
    np.save(tmp_path / "m.queries.npy", np.array(queries))
    np.save(tmp_path / "m.file_names.npy", np.array(FILES))
    _same(score(tmp_path / "m.npy", gt), expected)
    # an archive without the .npz extension is still read as one
    renamed = tmp_path / "scores.dat"
    renamed.write_bytes(pandas_like.read_bytes())
    _same(score(renamed, gt), expected)
    # columns in another order, float16: the same ranking rule (ties by name)
    order = np.random.default_rng(0).permutation(len(FILES))
    shuffled = tmp_path / "shuffled.npz"
    np.savez(shuffled, scores=scores[:, order], queries=np.array(queries),
             file_names=np.array(FILES)[order])
    _same(score(shuffled, gt), expected)
    half = tmp_path / "half.npz"
    np.savez(half, scores=scores.astype(np.float16), queries=np.array(queries),
             file_names=np.array(FILES))
    by_name = np.argsort(np.array(FILES), kind="stable")
    np.testing.assert_array_equal(load_submission(half).scores,
                                  scores.astype(np.float16).astype(np.float64)[:, by_name])
    assert score(half, gt).validation.valid


def _npz(path: Path, **arrays: Any) -> Path:
    np.savez(path, **arrays)
    return path


def _findings(sub: Path, gt: Path, *extra: str) -> tuple[int, list[tuple[str, int, int]], str]:
    proc = run_cli("validate", sub, "--gt", gt, "--format", "json", *extra)
    doc = json.loads(proc.stdout)
    return (proc.returncode, [(f["code"], f["line"], f["column"]) for f in doc["findings"]],
            proc.stdout)


def test_bad_files_are_findings(tmp_path: Path) -> None:
    gt, _, scores, queries = _case(tmp_path, 3)
    q, f = np.array(queries), np.array(FILES)
    nan = scores.copy()
    nan[4, 7] = np.nan
    nan[9, 0] = np.inf
    cases: dict[str, tuple[Path, tuple[str, int, int]]] = {
        "objects": (_npz(tmp_path / "o.npz", scores=scores, queries=q.astype(object),
                         file_names=f), ("M508", 0, 0)),
        "missing": (_npz(tmp_path / "m.npz", scores=scores, queries=q), ("M509", 0, 0)),
        "two for one": (_npz(tmp_path / "a.npz", scores=scores, queries=q, index=q,
                             file_names=f), ("M509", 0, 0)),
        "transposed": (_npz(tmp_path / "t.npz", scores=scores.T, queries=q, file_names=f),
                       ("M510", 0, 0)),
        "1-D": (_npz(tmp_path / "d.npz", scores=scores.ravel(), queries=q, file_names=f),
                ("M510", 0, 0)),
        "bool": (_npz(tmp_path / "b.npz", scores=scores > 0, queries=q, file_names=f),
                 ("M511", 0, 0)),
        "int names": (_npz(tmp_path / "i.npz", scores=scores, queries=q,
                           file_names=np.arange(len(FILES))), ("M512", 0, 0)),
        "bytes names": (_npz(tmp_path / "s.npz", scores=scores, queries=np.char.encode(q),
                             file_names=f), ("M512", 0, 0)),
        "nan": (_npz(tmp_path / "n.npz", scores=nan, queries=q, file_names=f),
                ("M502", 5, 8)),
        "duplicate file": (_npz(tmp_path / "u.npz", scores=scores, queries=q,
                                file_names=np.array([*FILES[:-1], FILES[0]])),
                           ("M503", 0, len(FILES))),
        "empty query": (_npz(tmp_path / "e.npz", scores=scores, queries=np.array(
            ["", *queries[1:]]), file_names=f), ("C206", 1, 0)),
    }
    for what, (path, expected) in cases.items():
        rc, found, _ = _findings(path, gt)
        assert rc == 1 and expected in found, (what, found)
        if expected[0] in ("M508", "M509", "M510", "M511", "M512"):
            # nothing usable was read: no flood of missing queries
            assert not any(c == "Q301" for c, _, _ in found), what
        proc = run_cli("score", path, "--gt", gt)
        assert proc.returncode == 1 and expected[0] in proc.stderr, what
    # an archive that is not one, a truncated one, a .npy without its sidecars
    broken = tmp_path / "x.npz"
    broken.write_text("index,a.wav\nq,1\n", encoding="utf-8")
    assert ("M513", 0, 0) in _findings(broken, gt)[1]
    whole = cases["nan"][0].read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(whole[: len(whole) // 2])
    assert _findings(cut, gt)[0] == 1
    np.save(tmp_path / "alone.npy", scores)
    rc, found, out = _findings(tmp_path / "alone.npy", gt)
    assert rc == 1 and found.count(("M509", 0, 0)) == 2 and "alone.queries.npy" in out
    # a pickled .npy is refused unread
    np.save(tmp_path / "p.npy", scores.astype(object), allow_pickle=True)
    np.save(tmp_path / "p.queries.npy", q)
    np.save(tmp_path / "p.file_names.npy", f)
    assert ("M508", 0, 0) in _findings(tmp_path / "p.npy", gt)[1]


def test_size_limits_before_reading(tmp_path: Path) -> None:
    gt, _, scores, queries = _case(tmp_path, 4)
    path = _npz(tmp_path / "ok.npz", scores=scores, queries=np.array(queries),
                file_names=np.array(FILES))
    size = path.stat().st_size
    rc, found, _ = _findings(path, gt, "--max-bytes", str(size - 1))
    assert rc == 1 and ("F101", 0, 0) in found
    # a small compressed archive that unpacks past the limit (a zip bomb) is refused too
    bomb = tmp_path / "bomb.npz"
    np.savez_compressed(bomb, scores=np.zeros((len(queries), 200_000), np.float32),
                        queries=np.array(queries), file_names=np.array(
                            [f"f{i}.wav" for i in range(200_000)]))
    assert bomb.stat().st_size < 2_000_000
    with zipfile.ZipFile(bomb) as zf:
        assert sum(i.file_size for i in zf.infolist()) > 40_000_000
    rc, found, out = _findings(bomb, gt, "--max-bytes", "10000000")
    assert rc == 1 and ("F101", 0, 0) in found and "unpack" in out


def test_a_clotho_sized_matrix_is_smaller_than_its_csv(tmp_path: Path) -> None:
    """The reason for the format: 5,225 x 1,045 float32 is 22 MB; its CSV text is over 50 MB."""
    rng = np.random.default_rng(0)
    scores = rng.random((5225, 1045), dtype=np.float32)
    path = tmp_path / "clotho.npz"
    np.savez(path, scores=scores, queries=np.array([f"caption {i}" for i in range(5225)]),
             file_names=np.array([f"clip {j}.wav" for j in range(1045)]))
    assert 21_800_000 < path.stat().st_size < 23_000_000
    sub = load_submission(path)
    assert sub.n_rows == 5225 and len(sub.names) == 1045 and not sub.findings
    assert sub.ranks.shape == (5225, 1045)


def test_outputs_never_replace_a_sidecar(tmp_path: Path) -> None:
    gt, _, scores, queries = _case(tmp_path, 5)
    np.save(tmp_path / "m.npy", scores)
    np.save(tmp_path / "m.queries.npy", np.array(queries))
    np.save(tmp_path / "m.file_names.npy", np.array(FILES))
    before = (tmp_path / "m.queries.npy").read_bytes()
    proc = run_cli("score", tmp_path / "m.npy", "--gt", gt, "--output", tmp_path / "m.queries.npy")
    assert proc.returncode == 2 and "refusing" in proc.stderr
    assert (tmp_path / "m.queries.npy").read_bytes() == before
    assert "npz" in run_cli("score", "--help").stdout
