"""`evaluate(sim, gt, query_names=..., item_names=...)`: a similarity matrix named by its rows and
columns, its relevance taken from a `GroundTruth`, the names checked as `validate` checks a
score-matrix file (the same finding codes, an `InputError` carrying them).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import InputError, evaluate, load_ground_truth, score

from .conftest import run_page_example

N_CLIPS = 14
CLIPS = [f"clip_{i:02d}.wav" for i in range(N_CLIPS)]
CAPTIONS = [f"caption number {q}" for q in range(5 * N_CLIPS)]
CLIP_OF = np.repeat(np.arange(N_CLIPS), 5)  # caption q describes CLIPS[q // 5]
MEASURES = ["mAP@10", "R@1", "R@5", "nDCG@10", "MRR@10", "Success@5", "mean_rank"]


@pytest.fixture()
def gt_path(tmp_path: Path) -> Path:
    path = tmp_path / "gt.csv"
    lines = ["file_name," + ",".join(f"caption_{i}" for i in range(1, 6))]
    lines += [clip + "," + ",".join(CAPTIONS[5 * c: 5 * c + 5]) for c, clip in enumerate(CLIPS)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _sim(seed: int = 3, ties: bool = False) -> np.ndarray:
    sim = np.random.default_rng(seed).random((5 * N_CLIPS, N_CLIPS))
    return np.round(sim * 3) / 3 if ties else sim


def _codes(exc: pytest.ExceptionInfo[InputError]) -> set[str]:
    return {f.code for f in exc.value.findings}


@pytest.mark.parametrize("ties", [False, True])
def test_named_rows_and_columns_give_the_report_of_the_index_form(gt_path: Path,
                                                                   ties: bool) -> None:
    gt = load_ground_truth(gt_path)
    sim = _sim(ties=ties)
    rng = np.random.default_rng(4)
    rows, cols = rng.permutation(sim.shape[0]), rng.permutation(sim.shape[1])
    shuffled = sim[rows][:, cols]  # the names follow the matrix, in any order
    named = evaluate(shuffled, gt, metrics=MEASURES,
                     query_names=[CAPTIONS[r] for r in rows], item_names=[CLIPS[c] for c in cols])
    position = np.argsort(cols)  # clip index -> its column
    by_index = evaluate(shuffled, position[CLIP_OF[rows]], metrics=MEASURES)
    np.testing.assert_equal(named.to_dict(), by_index.to_dict())  # NaN == NaN
    assert (named.warnings != []) == ties


def test_audio_to_text_names_the_clips_as_rows_and_the_captions_as_columns(
        gt_path: Path) -> None:
    gt = load_ground_truth(gt_path)
    sim = _sim()
    captions_of = CLIP_OF[None, :] == np.arange(N_CLIPS)[:, None]
    named = evaluate(sim.T, gt, direction="audio-to-text", metrics=MEASURES,
                     query_names=np.asarray(CLIPS), item_names=np.asarray(CAPTIONS))
    by_index = evaluate(sim.T, captions_of, direction="audio-to-text", metrics=MEASURES)
    np.testing.assert_equal(named.to_dict(), by_index.to_dict())  # NaN == NaN
    with pytest.raises(InputError) as exc:  # the lists swapped: captions as rows
        evaluate(sim.T, gt, direction="audio-to-text", query_names=CAPTIONS, item_names=CLIPS)
    assert _codes(exc) == {"M510"}


def test_other_conventions_read_the_same_named_relevance(gt_path: Path) -> None:
    gt = load_ground_truth(gt_path)
    sim = _sim()
    named = evaluate(sim, gt, convention="laion-clap", query_names=CAPTIONS, item_names=CLIPS)
    np.testing.assert_equal(named.to_dict(),
                            evaluate(sim, CLIP_OF, convention="laion-clap").to_dict())


def _bad(gt_path: Path, rows: list[str], cols: list[str], n_rows: int | None = None,
         n_cols: int | None = None) -> pytest.ExceptionInfo[InputError]:
    sim = _sim()[: n_rows or len(rows), : n_cols or len(cols)]
    with pytest.raises(InputError) as exc:
        evaluate(sim, load_ground_truth(gt_path), query_names=rows, item_names=cols)
    assert all(f.severity == "error" for f in exc.value.findings)
    assert any(f.code in str(exc.value) for f in exc.value.findings)  # named in the message
    return exc


def test_a_caption_not_in_the_ground_truth_is_q302(gt_path: Path) -> None:
    rows = [*CAPTIONS[:3], "Caption Number 3!", *CAPTIONS[4:]]
    exc = _bad(gt_path, rows, CLIPS)
    assert _codes(exc) == {"Q302", "Q301"}  # and so query 3 has no row
    assert "Q302 unknown-query: query_names[3]" in str(exc.value)  # the cause, named first
    q302 = next(f for f in exc.value.findings if f.code == "Q302")
    assert "query_names[3]" in q302.message and "'caption number 3'" in q302.hint


def test_a_repeated_caption_is_q303_and_a_caption_left_out_q301(gt_path: Path) -> None:
    exc = _bad(gt_path, [*CAPTIONS[:-1], CAPTIONS[0]], CLIPS)
    assert _codes(exc) == {"Q303", "Q301"}
    assert any("query_names[69]" in f.message and "query_names[0]" in f.message
               for f in exc.value.findings if f.code == "Q303")
    exc = _bad(gt_path, CAPTIONS[:-1], CLIPS)
    assert _codes(exc) == {"Q301"}
    assert CAPTIONS[-1] in exc.value.findings[0].message


def test_an_unknown_audio_file_is_a401_with_the_validate_hint(gt_path: Path) -> None:
    exc = _bad(gt_path, CAPTIONS, [*CLIPS[:-1], "clip_13"])
    assert _codes(exc) == {"A401"}  # clip_13.wav without its column is only a warning
    assert "Add the extension" in exc.value.findings[0].hint


def test_a_repeated_audio_file_is_m503(gt_path: Path) -> None:
    exc = _bad(gt_path, CAPTIONS, [*CLIPS[:-1], CLIPS[0]])
    assert _codes(exc) == {"M503"}


def test_lists_that_do_not_fit_the_matrix_are_m510_and_m512(gt_path: Path) -> None:
    assert _codes(_bad(gt_path, CAPTIONS, CLIPS[:-1], n_cols=N_CLIPS)) == {"M510"}
    assert _codes(_bad(gt_path, CAPTIONS, list(range(N_CLIPS)))) == {"M512"}  # type: ignore[arg-type]
    assert _codes(_bad(gt_path, CAPTIONS, "clip_00.wav", n_cols=N_CLIPS)) == {"M512"}  # type: ignore[arg-type]


def test_an_audio_file_without_a_column_is_m504_and_never_retrieved(gt_path: Path,
                                                                     tmp_path: Path) -> None:
    """As `score` on the submission of the matrix without that column: its captions' clip is
    never in their top 10, and R counts it."""
    gt = load_ground_truth(gt_path)
    sim = _sim()[:, 1:]  # clip_00.wav has no column
    r = evaluate(sim, gt, query_names=CAPTIONS, item_names=CLIPS[1:])
    assert [f.code for f in r.validation.findings] == ["M504"]
    assert r.validation.warnings == 1 and r.warnings[-1].startswith("M504 missing-audio-column")
    sub = tmp_path / "sub.csv"
    rows = ["caption," + ",".join(f"file_name_{i}" for i in range(1, 11))]
    for q, caption in enumerate(CAPTIONS):
        top = sorted(range(sim.shape[1]), key=lambda i: (-sim[q, i], i))[:10]
        rows.append(caption + "," + ",".join(CLIPS[1 + i] for i in top))
    sub.write_text("\n".join(rows) + "\n", encoding="utf-8")
    official = score(sub, gt_path, edition="2022")
    assert r.metrics == official.metrics
    assert r.per_query.values["R@10"][:5].tolist() == [0.0] * 5  # type: ignore[union-attr]


def test_a_missing_column_stays_out_of_every_top_k_even_in_a_narrow_matrix(
        gt_path: Path) -> None:
    gt = load_ground_truth(gt_path)
    sim = _sim()[:, :3]  # 3 columns, cut-offs up to 10
    r = evaluate(sim, gt, query_names=CAPTIONS, item_names=CLIPS[:3], metrics=["R@5", "R@10"])
    assert r.metrics["R@10"].value == pytest.approx(15 / 70)  # only clips 0-2 are ever found
    codes = [f.code for f in r.validation.findings]
    assert codes == ["M504"] * (N_CLIPS - 3)


def test_a_relevant_only_ground_truth_leaves_unknown_columns_unchecked_a405(
        gt_path: Path) -> None:
    gt = replace(load_ground_truth(gt_path), audio_set_known=False)
    sim = np.concatenate([_sim(), np.zeros((5 * N_CLIPS, 1))], axis=1)
    r = evaluate(sim, gt, query_names=CAPTIONS, item_names=[*CLIPS, "distractor.wav"])
    assert [f.code for f in r.validation.findings] == ["A405"]
    same = evaluate(sim, CLIP_OF)
    assert r.metrics == same.metrics


def test_names_go_with_a_ground_truth_only(gt_path: Path) -> None:
    with pytest.raises(ValueError, match="GroundTruth"):
        evaluate(_sim(), CLIP_OF, query_names=CAPTIONS, item_names=CLIPS)
    with pytest.raises(ValueError, match="query_names"):
        evaluate(_sim(), load_ground_truth(gt_path))


def test_a_torch_matrix_with_a_missing_column_gives_the_numpy_report(gt_path: Path) -> None:
    torch = pytest.importorskip("torch")
    gt = load_ground_truth(gt_path)
    sim = _sim(ties=True)[:, 2:]  # clip_00.wav and clip_01.wav have no column
    a = evaluate(torch.from_numpy(sim), gt, metrics=MEASURES, query_names=CAPTIONS,
                 item_names=CLIPS[2:])
    b = evaluate(sim, gt, metrics=MEASURES, query_names=CAPTIONS, item_names=CLIPS[2:])
    np.testing.assert_equal(a.to_dict(), b.to_dict())
    assert [f.code for f in a.validation.findings] == ["M504", "M504"]


def test_audio_to_text_a_clip_without_a_row_is_no_query_m504(gt_path: Path) -> None:
    gt = load_ground_truth(gt_path)
    sim = _sim().T[1:]  # clip_00.wav has no row
    captions_of = CLIP_OF[None, :] == np.arange(1, N_CLIPS)[:, None]
    r = evaluate(sim, gt, direction="audio-to-text", metrics=MEASURES,
                 query_names=CLIPS[1:], item_names=CAPTIONS)
    assert r.n_queries == N_CLIPS - 1
    assert [f.code for f in r.validation.findings] == ["M504"]
    assert "has no row" in r.validation.findings[0].message
    same = evaluate(sim, captions_of, direction="audio-to-text", metrics=MEASURES)
    np.testing.assert_equal(r.metrics, same.metrics)


def test_the_names_example_of_the_evaluate_page_prints_what_the_page_shows() -> None:
    printed, shown = run_page_example("evaluate.md", "names-example")
    assert printed == shown
