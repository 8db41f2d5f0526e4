"""`dcase-eval demo`: a synthetic challenge generated on the spot, validated and scored.

The ground truth is a Clotho-style captions CSV; the systems are noisy rankers of graded quality
(each puts the relevant file at a random rank drawn from its own distribution) plus one broken
upload with typical defects. Nothing here depends on the organizers' files.
"""

from __future__ import annotations

import csv
import shlex
import tempfile
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from ..api import score, validate
from ..formats.ground_truth import load_ground_truth
from ..formats.submission import write_topk_csv
from ..io.atomic import atomic_writer
from ..io.scratch import scratch_dir
from ..measure.jackknife import CI_NOTE
from ..report.console import styled

_SOURCES = ["dog", "rain", "car engine", "church bell", "crowd", "stream", "train", "bird",
            "door", "wind", "typewriter", "fire", "clock", "siren", "frog", "thunder"]
_VERBS = ["barks", "falls", "hums", "rings", "murmurs", "flows", "passes", "chirps", "creaks",
          "howls", "clatters", "crackles", "ticks", "wails", "croaks", "rumbles"]
_PLACES = ["in the distance", "close by", "inside a hall", "on a street", "near water",
           "in a forest", "at night", "under a roof"]
_NAMES = ["Pensol - le Moulin cours d&#39;eau", "rain, roof (heavy)", "Zoë's garden",
          "street ambience 03", "Café crème", "old clock", "trn_pass", "Fire crackling"]

#: (label, probability the relevant file is placed, mean rank when it is); 0 = uniform random
SYSTEMS = [("strong", 0.9, 1.5), ("medium", 0.6, 3.0), ("weak", 0.3, 5.0), ("random", 0.0, 0.0)]


def make_challenge(out: Path, n_files: int, seed: int) -> tuple[Path, list[Path]]:
    """Write `gt.csv` and one top-10 CSV per system (plus a broken one) into `out`."""
    rng = np.random.default_rng(seed)
    files = [f"{_NAMES[i % len(_NAMES)]} {i:04d}.wav" for i in range(n_files)]
    gt_path = out / "gt.csv"
    captions: list[list[str]] = []
    with atomic_writer(gt_path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file_name", *[f"caption_{j}" for j in range(1, 6)]])
        for i, name in enumerate(files):
            row = []
            for j in range(5):
                s, v, p = (rng.integers(len(x)) for x in (_SOURCES, _VERBS, _PLACES))
                row.append(f"A {_SOURCES[s]} {_VERBS[v]} {_PLACES[p]}, clip {i} take {j}.")
            captions.append(row)
            writer.writerow([name, *row])
    queries = [(c, i) for i, row in enumerate(captions) for c in row]
    paths = []
    for label, p_hit, mean_rank in SYSTEMS:
        rankings = []
        for caption, rel in queries:
            pool = np.delete(np.arange(n_files), rel) if p_hit > 0 else np.arange(n_files)
            ranked = [files[j] for j in rng.choice(pool, 10, replace=False)]
            if rng.random() < p_hit:
                pos = min(int(rng.exponential(mean_rank)), 9)
                ranked[pos] = files[rel]
            rankings.append((caption, ranked))
        path = out / f"{label}.output.csv"
        write_topk_csv(path, rankings)
        paths.append(path)
    broken = out / "broken.output.csv"
    lines = (out / "medium.output.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(".wav", "", 1)  # a missing extension
    lines[2] = lines[2] + ",extra.wav"  # a wrong cell count
    del lines[3]  # a missing query
    lines.append(lines[4])  # a duplicate row
    with atomic_writer(broken) as fh:
        fh.write("\n".join(lines) + "\n")
    paths.append(broken)
    return gt_path, paths


def run_demo(console: Console, out_dir: Path | None, *, seed: int, n_files: int) -> None:
    # named after this process: a later demo removes it if this one is killed outright
    with scratch_dir(tempfile.gettempdir(), "dcase-eval-demo-") as tmp:
        out = Path(out_dir) if out_dir is not None else Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        gt_path, systems = make_challenge(out, n_files, seed)
        gt = load_ground_truth(gt_path)
        where = (f"in {out}" if out_dir is not None else
                 "in a temporary folder, removed at the end (--keep DIR keeps it)")
        console.print(f"Synthetic challenge {where}: {gt.n_queries} queries, "
                      f"{len(gt.audio)} audio files, {len(systems)} systems.")
        table = Table(title="Synthetic challenge: validation and scores (edition 2022)")
        for col in ("system", "valid", "errors", "mAP@10 [95% CI]", "R@1", "R@5", "R@10"):
            table.add_column(col, justify="left" if col == "system" else "right")
        for path in systems:
            report = validate(path, gt)
            label = path.name.removesuffix(".output.csv")
            if not report.valid:
                codes = ", ".join(sorted(report.counts))
                table.add_row(label, styled("no", "red"), f"{report.errors} ({codes})",
                              "-", "-", "-", "-")
                continue
            s = score(path, gt)
            m = s.metrics
            table.add_row(label, styled("yes", "green"), "0",
                          f"{m['mAP@10'].value:.3f} [{m['mAP@10'].ci_low:.3f}, "
                          f"{m['mAP@10'].ci_high:.3f}]",
                          *(f"{m[k].value:.3f}" for k in ("R@1", "R@5", "R@10")))
        console.print(table)
        console.print(styled(CI_NOTE, "dim"))
        # a kept folder's own files make a command to paste; a removed one's would not exist
        check = (f"dcase-eval validate {shlex.quote(str(systems[-1]))} --gt "
                 f"{shlex.quote(str(gt_path))}" if out_dir is not None
                 else "dcase-eval validate SUBMISSION --gt GT.csv")
        console.print(f"Chance level: R@10 = {10 / len(gt.audio):.3f}. Check a file yourself: "
                      f"{check}", soft_wrap=True, markup=False)
