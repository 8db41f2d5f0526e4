"""Codabench scoring-program mode: `dcase-eval score --codabench INPUT_DIR OUTPUT_DIR`.

The platform's contract (its compute worker): the reference data is in INPUT_DIR/ref, the
participant's unzipped submission in INPUT_DIR/res; the program writes OUTPUT_DIR/scores.json, a
flat mapping of leaderboard keys to numbers, and may write OUTPUT_DIR/detailed_results.html. It
must never write OUTPUT_DIR/metadata (the worker writes that file and fails if it exists).

Keys are `map_at_10`, `r_at_1`, ... with `<key>_ci_low` / `<key>_ci_high` holding the 95%
jackknife bounds; `score_keys` lists them for an edition, so a bundle's leaderboard and the
scorer cannot disagree. Every rejection (nothing uploaded, two CSVs, a zip in the zip, a link,
an invalid file) writes a detailed_results.html listing every finding, removes a stale
scores.json and fails (exit 1); a mistaken command line is a usage error before anything is
touched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path

from ..editions import Edition, resolve_edition
from ..errors import InputError, OutputError
from ..findings import Finding, make_finding, shown_text
from ..formats.ground_truth import GroundTruth
from ..formats.prepare import prepare_ground_truth
from ..formats.submission import load_submission
from ..io.atomic import guard_outputs, write_text_atomic
from ..measure.scoring import score_aligned
from .detailed_results import page, rejection_page, scores_page
from .uploads import pick_csv
from .versions import scorer_versions

SCORES = "scores.json"
#: In the reference data beside the ground truth: every file of the evaluation audio set.
AUDIO_SET = "audio_set.txt"
DETAILS = "detailed_results.html"
WORKER_FILE = "metadata"


class Rejected(InputError):
    """The submission (or the reference data) was refused; the page says why."""


def metric_key(name: str) -> str:
    """`mAP@10` -> `map_at_10`, `R@1` -> `r_at_1` (Codabench keys are plain identifiers)."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("@", "_at_")).strip("_")


def score_keys(edition: Edition) -> list[str]:
    """Every key of scores.json, in leaderboard order: the metrics, then their CI bounds."""
    keys = [metric_key(n) for n in edition.metric_names]
    return [*keys, *(f"{k}_ci_{side}" for k in keys for side in ("low", "high"))]


def check_output_dir(input_dir: Path, output_dir: Path) -> None:
    """Refuse (`OutputError`, a usage error) an OUTPUT_DIR the scorer could not use, before
    reading or writing anything: a file, under a file, not writable, inside the inputs."""
    if not input_dir.is_dir():
        raise OutputError(f"INPUT_DIR {input_dir} is not a folder (Codabench mounts "
                          "/app/input with ref/ and res/ inside)")
    out = Path(os.path.abspath(output_dir))
    for sub in ("res", "ref"):
        inside = Path(os.path.abspath(input_dir / sub))
        if out == inside or out.is_relative_to(inside) or out.resolve().is_relative_to(
                inside.resolve()):
            raise OutputError(f"OUTPUT_DIR {output_dir} is inside INPUT_DIR/{sub}: the scorer "
                              "never writes into its inputs; give another folder")
    for parent in [out, *out.parents]:
        if parent.exists() and not parent.is_dir():
            where = "is" if parent == out else f"is under {parent}, which is"
            raise OutputError(f"OUTPUT_DIR {output_dir} {where} a file, not a folder")
    for name in (SCORES, DETAILS):
        if (out / name).is_dir():
            raise OutputError(f"{out / name} is a folder; the scorer writes a file there")
    try:
        guard_outputs(folders=[output_dir], inputs=[input_dir])
    except OutputError as exc:
        raise OutputError(f"OUTPUT_DIR {output_dir} is not usable: {exc}") from None


def _reject(output_dir: Path, message: str, findings: list[Finding],
            counts: Mapping[str, int] | None = None) -> Rejected:
    write_text_atomic(output_dir / DETAILS, rejection_page(message, findings, counts))
    return Rejected(message, findings)


def _reference(input_dir: Path, output_dir: Path) -> GroundTruth:
    path, findings = pick_csv(input_dir / "ref", "ref", "reference ground truth", hint=(
        "Give the task the bundle's reference_data/ (dcase-eval codabench bundle writes the "
        "ground truth there)."))
    if path is None:
        raise _reject(output_dir, "The reference data is unusable: the competition's organizers "
                      "must fix the bundle.", findings)
    audio_set = input_dir / "ref" / AUDIO_SET
    try:
        return prepare_ground_truth(path, audio_list=audio_set if audio_set.is_file() else None)
    except InputError as exc:
        raise _reject(output_dir, f"The reference data is unusable: {exc}", exc.findings) from None
    except OSError as exc:
        raise _reject(output_dir, "The reference data cannot be read.", [make_finding(
            "F105", f"{exc.filename or path.name}: {exc.strerror or exc}", file="ref")]) from None


def run_codabench(input_dir: str | Path, output_dir: str | Path, *, edition: str = "auto",
                  k: int | None = None, lenient: bool = False) -> dict[str, float]:
    """Score INPUT_DIR/res against INPUT_DIR/ref; write scores.json and detailed_results.html.

    Call `check_output_dir` first. Raises `Rejected` (after writing the page) when the
    submission or the reference data cannot be scored.
    """
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    with contextlib.suppress(FileNotFoundError):
        (output_dir / SCORES).unlink()  # a stale score must not outlive a rejection
    gt = _reference(input_dir, output_dir)
    ed = resolve_edition(edition, gt, k)
    # the worker unpacks the prediction step's output here, its own `metadata` file included
    sub_path, findings = pick_csv(input_dir / "res", "res", "submission", ignore=(WORKER_FILE,))
    if sub_path is None:
        raise _reject(output_dir, "No submission file could be chosen from the upload.", findings)
    shown = shown_text(sub_path.name)
    try:
        sub = load_submission(sub_path)
    except OSError as exc:
        raise _reject(output_dir, "The submission cannot be read.", [make_finding(
            "F105", f"{shown}: {exc.strerror or exc}", file="res")]) from None
    try:
        report = score_aligned(sub, gt, ed, lenient=True, keep_per_query=False)
    except InputError as exc:  # nothing of the file could be read
        raise _reject(output_dir, f"{shown} cannot be read as a submission: fix every finding "
                      "below and submit again.", exc.findings) from None
    checked = report.validation
    if not checked.valid and not lenient:
        raise _reject(output_dir, f"{shown} is not a valid submission "
                      f"({checked.errors} error{'' if checked.errors == 1 else 's'}): fix every "
                      "finding below and submit again "
                      "(the organizers can score such files with --lenient).",
                      checked.findings, checked.counts)
    scores: dict[str, float] = {}
    for name in ed.metric_names:
        scores[metric_key(name)] = report.metrics[name].value
    for name in ed.metric_names:
        m, key = report.metrics[name], metric_key(name)
        scores[f"{key}_ci_low"] = m.ci_low
        scores[f"{key}_ci_high"] = m.ci_high
    bad = [key for key, value in scores.items() if not math.isfinite(value)]
    if bad:
        # Codabench stores each score in a NOT NULL column: a null fails the submission after
        # part of its scores are saved, so nothing is written instead
        why = (f"the reference data holds {report.n_queries} caption(s); a jackknife interval "
               "needs at least 2" if report.n_queries < 2 else "a metric is undefined here")
        raise _reject(output_dir, "The scores cannot be stored: "
                      f"{len(bad)} of them are not finite numbers.", [make_finding(
                          "H806", f"{', '.join(bad[:6])}{', ...' if len(bad) > 6 else ''} "
                          f"{'is' if len(bad) == 1 else 'are'} not finite ({why}).", file="ref",
                          hint="The competition's organizers must fix the reference data; "
                          "Codabench refuses a score that is not a number.")])
    summary = (f"{shown}: edition {report.edition}, {report.n_queries} queries, main "
               f"metric {report.main_metric}. Policy: {report.policy.describe()}")
    write_text_atomic(output_dir / DETAILS, scores_page(summary, report.metrics,
                                                        checked.findings, checked.counts,
                                                        scorer_versions()))
    write_text_atomic(output_dir / SCORES, json.dumps(scores, indent=2, allow_nan=False) + "\n")
    return scores


def write_failure_page(output_dir: Path, exc: BaseException) -> None:
    """On an internal error, still tell the participant something (best effort)."""
    from html import escape

    text = (f"The scorer failed on this submission with an internal error "
            f"({type(exc).__name__}: {exc}). This is not a defect found in your file: please "
            "tell the organizers.")
    with contextlib.suppress(OSError):
        write_text_atomic(Path(output_dir) / DETAILS,
                          page("Scoring failed", f"<p class=\"lit\">{escape(text)}</p>"))
