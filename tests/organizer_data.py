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


def meta_doc(label: str, name: str | None = None, **overrides: Any) -> dict[str, Any]:
    """A DCASE meta YAML document for `label` (`<Lastname>_<Inst>_<task>_<n>`), shaped as the
    DCASE templates are; `overrides` replace whole blocks or keys (`None` removes a key):
    `submission`, `system`, `results`, or the keys of `description` / `complexity`."""
    parts = label.split("_")
    lastname, inst = parts[0], parts[1] if len(parts) > 1 else "Inst"
    submission = {
        "label": label, "name": name or f"System {label}", "abbreviation": label[-10:],
        "authors": [
            {"lastname": lastname, "firstname": "Ada",
             "email": f"ada.{lastname.lower()}@example.org", "corresponding": True,
             "affiliation": {"abbreviation": inst, "institute": f"University {inst}",
                             "department": "Signal Processing", "location": "Tampere, Finland"}},
            {"lastname": "Roe", "firstname": "Rick", "email": "rick.roe@example.org",
             "affiliation": {"abbreviation": inst, "institute": f"University {inst}",
                             "department": None, "location": "Tampere, Finland"}},
        ],
    }
    description: dict[str, Any] = {
        "input_sampling_rate": "44.1kHz", "acoustic_features": "log-mel energies",
        "word_embeddings": "RoBERTa", "data_augmentation": "mixup",
        "machine_learning_method": "cross-modal alignment",
        "ensemble_method_subsystem_count": 1, "audio_modelling": "PaSST",
        "word_modelling": "RoBERTa", "loss_function": "InfoNCE",
        "pretrained_models": ["PaSST", "RoBERTa-large"], "optimizer": "Adam",
        "learning_rate": "1e-4",
    }
    complexity: dict[str, Any] = {"total_parameters": 123456789}
    system: dict[str, Any] = {
        "description": description, "complexity": complexity,
        "external_datasets": [{"name": "AudioCaps", "url": "https://audiocaps.github.io/",
                               "total_audio_length": 49838}],
        "source_code": f"https://github.com/example/{label}",
    }
    results = {"development_testing": {"R@1": 0.2, "R@5": 0.45, "R@10": 0.58, "mAP@10": 0.31}}
    doc: dict[str, Any] = {"submission": submission, "system": system, "results": results}
    for key, value in overrides.items():
        target = doc if key in ("submission", "system", "results") else \
            complexity if key in complexity else description
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return doc


def write_system(folder: Path, gt: GroundTruth, label: str, quality: float, seed: int, *,
                 flat: bool = False, task: str = "task6b", **meta: Any) -> Path:
    """One system in the DCASE layout `folder/<task>/<label>/<label>.output.csv` + `.meta.yaml`
    (or both files directly in `folder` when `flat`), with the team's report PDF at the top.
    Returns the system output's path."""
    where = folder if flat else folder / task / label
    where.mkdir(parents=True, exist_ok=True)
    output = where / f"{label}.output.csv"
    write_topk_csv(output, system_rankings(gt, quality, seed, miss=[PENSOL]))
    (where / f"{label}.meta.yaml").write_text(
        yaml.safe_dump(meta_doc(label, **meta), allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    team = "_".join(label.split("_")[:2])
    report = folder / f"{team}_{task}.technical_report.pdf"
    if not report.exists():
        report.write_bytes(b"%PDF-1.4\n% generated for the tests\n%%EOF\n")
    return output


def zip_folder(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                zf.write(file, file.relative_to(folder).as_posix())
    return target


def make_challenge(root: Path, teams: dict[str, list[tuple[str, float]]], seed: int = 0,
                   zipped: Sequence[str] = (), n_files: int = 40,
                   first_caption: str | None = None, names: dict[str, str] | None = None,
                   **meta: Any) -> tuple[Path, Path]:
    """Ground truth and a folder of DCASE packages: {team: [(label, quality), ...]}, the team
    being the labels' `<Lastname>_<Inst>`; `names` gives a team's systems their display name."""
    root.mkdir(parents=True, exist_ok=True)
    gt_path = make_gt(root, n_files=n_files, seed=seed, first_caption=first_caption)
    gt = load_ground_truth(gt_path)
    uploads = root / "uploads"
    uploads.mkdir()
    for t, (team, systems) in enumerate(teams.items()):
        folder = (root / "staging" / team) if team in zipped else (uploads / f"pkg{t:02d}")
        for s, (label, quality) in enumerate(systems):
            name = (names or {}).get(team)
            write_system(folder, gt, label, quality, seed=1000 * t + s,
                         **({"name": name} if name else {}), **meta)
        if team in zipped:
            zip_folder(folder, uploads / f"pkg{t:02d}.zip")
    return gt_path, uploads


#: The 2022 overview paper's Table 4 (best system of each team), as DCASE meta description
#: values: (label prefix, systems, quality of the best, audio, caption, loss, augmentation).
PAPER_TEAMS: list[tuple[str, int, float, Any, Any, str, str | None]] = [
    ("Xu_SJTU", 4, 0.95, "PANNs", ["BERT", "RoBERTa"], "InfoNCE loss", None),
    ("Mei_Surrey", 4, 0.86, "PANNs", "BERT", "NT-Xent loss", "SpecAugment"),
    ("Lamort_IRIT", 4, 0.77, ["PANNs", "OpenL3", "VGGSound", "VGGish", "BART"],
     "Sentence-BERT", "Triplet loss", "mixup"),
    ("Pellegrini_IRIT", 4, 0.68, "PaSST", "Sentence-BERT", "Triplet loss", None),
    ("Lai_CMU", 4, 0.60, "ESResNet", "Transformer", "CE loss", None),
    ("Wu_ByteDance", 4, 0.52, ["PANNs", "HTS-AT"], "Transformer", "CE loss", "SpecAugment"),
    ("Weck_UPF", 3, 0.44, "  panns ", "RoBERTa", "Contrastive loss", None),
    ("Xiao_UCAS", 2, 0.36, "PANNs", "Word2Vec", "triplet LOSS", None),
    ("Park_CAU", 2, 0.28, "CRNN", "Word2Vec", "Triplet loss", None),
]
PAPER_BASELINE = "Xie_TAU_task6b_1"
#: As in the paper, seven of the nine teams used external data (AudioCaps here).
NO_EXTERNAL_DATA = ("Xiao_UCAS", "Park_CAU", "Xie_TAU")
#: Hostile text on one team's authors: HTML, LaTeX and Markdown specials.
HOSTILE_AUTHOR = "<script>alert('x')</script> O'Brien & 100%_#$ {x} *y*"
HOSTILE_METHOD = "<b>contrastive</b> & 100%_#$ {x} | ~^\\"


def _paper_meta(label: str, audio: Any, caption: Any, loss: str, augmentation: str | None,
                development: dict[str, float | None], **overrides: Any) -> dict[str, Any]:
    return meta_doc(label, audio_modelling=audio, word_modelling=caption, loss_function=loss,
                    data_augmentation=augmentation,
                    results={"development_testing": development}, **overrides)


def make_paper_challenge(root: Path, n_files: int = 120, seed: int = 22,
                         ) -> tuple[Path, Path, dict[str, float]]:
    """The 2022 challenge's shape: 9 teams with 31 systems (4, 4, 4, 4, 4, 4, 3, 2, 2) whose meta
    files carry the paper's Table 4 characteristics, plus the baseline (`PAPER_BASELINE`).

    Development claims: every system claims its evaluation mAP@10 (computed here) except
    `Mei_Surrey_task6b_2` and `Wu_ByteDance_task6b_1` (claim 0.99: flagged as 'below'),
    `Weck_UPF_task6b_1` (its claim in percent) and `Park_CAU_task6b_2` (no claim); the
    baseline claims the paper's Table 3 development figures. Lai_CMU's second author and its
    `machine_learning_method` carry hostile text.
    Returns the ground truth, the uploads folder and each system's evaluation mAP@10."""
    from dcase_retrieval_eval.api import score

    root.mkdir(parents=True, exist_ok=True)
    gt_path = make_gt(root, n_files=n_files, seed=seed)
    gt = load_ground_truth(gt_path)
    uploads = root / "uploads"
    uploads.mkdir()
    evaluation: dict[str, float] = {}
    teams = [*PAPER_TEAMS, ("Xie_TAU", 1, 0.2, "CRNN", "Word2Vec", "Triplet loss", None)]
    for t, (team, count, best, audio, caption, loss, augmentation) in enumerate(teams):
        folder = uploads / f"{team}.package"
        for n in range(1, count + 1):
            label = f"{team}_task6b_{n}"
            output = write_system(folder, gt, label, best - 0.05 * (n - 1), seed=100 * t + n)
            main = score(output, gt).metrics["mAP@10"].value
            evaluation[label] = main
            claim: float | None = main
            if label in ("Mei_Surrey_task6b_2", "Wu_ByteDance_task6b_1"):
                claim = 0.99
            elif label == "Weck_UPF_task6b_1":
                claim = round(main * 100, 10)
            elif label == "Park_CAU_task6b_2":
                claim = None
            development = {"mAP@10": claim, "R@1": 0.1, "R@5": 0.3, "R@10": 0.4}
            extra: dict[str, Any] = {}
            if label == PAPER_BASELINE:
                development = {"mAP@10": 0.068, "R@1": 0.032, "R@5": 0.109, "R@10": 0.188}
            if team == "Pellegrini_IRIT":
                doc = meta_doc(label)
                doc["submission"]["authors"] = doc["submission"]["authors"][:1]
                extra["submission"] = doc["submission"]
            if team == "Lai_CMU":
                doc = meta_doc(label)
                doc["submission"]["authors"][1]["firstname"] = HOSTILE_AUTHOR
                extra["submission"] = doc["submission"]
                extra["machine_learning_method"] = HOSTILE_METHOD
            doc = _paper_meta(label, audio, caption, loss, augmentation, development, **extra)
            if team in NO_EXTERNAL_DATA:
                doc["system"]["external_datasets"] = []
            (folder / "task6b" / label / f"{label}.meta.yaml").write_text(
                yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return gt_path, uploads, evaluation
