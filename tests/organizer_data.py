"""Generated challenges for the organizer tests: a Clotho-format ground truth with awkward file
names, systems of graded quality, and team packages (folders or zips)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from dcase_retrieval_eval.formats.ground_truth import GroundTruth, load_ground_truth
from dcase_retrieval_eval.formats.submission import write_topk_csv

WORDS = ["bird", "rain", "car", "door", "wind", "water", "dog", "engine", "bell", "crowd",
         "train", "street", "river", "fire", "glass", "wood", "metal", "paper", "child", "voice",
         "music", "drum", "step", "leaf", "storm", "sea", "boat", "plane", "clock"]
PENSOL = "Pensol - le Moulin cours d&#39;eau.wav"
ODD_NAMES = [PENSOL, "café, crème (take 2).wav", "<b>bold</b>.wav", 'quote "x".wav']


def make_gt(folder: Path, n_files: int = 40, seed: int = 0, captions: int = 5,
            first_caption: str | None = None) -> Path:
    """A Clotho captions CSV with `n_files` files and unique random captions; `first_caption`
    replaces the first caption of the first file (Pensol's)."""
    rng = np.random.default_rng(seed)
    names = ODD_NAMES + [f"clip_{i:04d}_{WORDS[i % len(WORDS)]}.wav"
                         for i in range(n_files - len(ODD_NAMES))]
    seen: set[str] = set()
    path = folder / "gt.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["file_name", *[f"caption_{i}" for i in range(1, captions + 1)]])
        for name in names:
            row = []
            while len(row) < captions:
                cap = " ".join(rng.choice(WORDS, size=8))
                if cap not in seen:
                    seen.add(cap)
                    row.append(cap)
            if first_caption is not None and name == names[0]:
                row[0] = first_caption
            writer.writerow([name, *row])
    return path


def system_rankings(gt: GroundTruth, quality: float, seed: int, k: int = 10,
                    miss: Sequence[str] = ()) -> list[tuple[str, list[str]]]:
    """Top-k rankings where the relevant file is placed near the top with probability `quality`;
    queries whose relevant file is in `miss` are never answered right."""
    rng = np.random.default_rng(seed)
    rankings: list[tuple[str, list[str]]] = []
    audio = np.array(gt.audio, dtype=object)
    for q, query in enumerate(gt.queries):
        relevant = gt.relevant(q)[0]
        others = [a for a in audio[rng.permutation(len(audio))[: k + 1]] if a != relevant][:k]
        if relevant not in miss and rng.random() < quality:
            others[int(rng.integers(0, 3))] = relevant
        rankings.append((query, others))
    return rankings


def meta_doc(label: str, team: str, **overrides: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "label": label, "team": team, "institution": "University of Tests",
        "authors": [{"name": "Ada Tester", "email": "ada@example.org"}],
        "system_name": f"sys {label}"[:40], "audio_encoder": "CNN14", "text_encoder": "BERT",
        "loss": "InfoNCE", "external_data": [], "n_parameters": 1000, "ensemble": False,
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def write_system(folder: Path, gt: GroundTruth, label: str, team: str, quality: float,
                 seed: int, **meta: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    write_topk_csv(folder / f"{label}.output.csv", system_rankings(gt, quality, seed,
                                                                   miss=[PENSOL]))
    (folder / f"{label}.meta.yaml").write_text(
        yaml.safe_dump(meta_doc(label, team, **meta), allow_unicode=True), encoding="utf-8")


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return target


def make_challenge(root: Path, teams: dict[str, list[tuple[str, float]]], seed: int = 0,
                   zipped: Sequence[str] = (), n_files: int = 40,
                   first_caption: str | None = None, **meta: Any) -> tuple[Path, Path]:
    """Ground truth and a folder of packages: {team: [(label, quality), ...]}."""
    root.mkdir(parents=True, exist_ok=True)
    gt_path = make_gt(root, n_files=n_files, seed=seed, first_caption=first_caption)
    gt = load_ground_truth(gt_path)
    uploads = root / "uploads"
    uploads.mkdir()
    for t, (team, systems) in enumerate(teams.items()):
        folder = (root / "staging" / team) if team in zipped else (uploads / f"pkg{t:02d}")
        for s, (label, quality) in enumerate(systems):
            write_system(folder, gt, label, team, quality, seed=1000 * t + s, **meta)
        if team in zipped:
            zip_folder(folder, uploads / f"pkg{t:02d}.zip")
    return gt_path, uploads
