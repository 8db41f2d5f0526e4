"""`dcase-eval codabench bundle`: the bundle is what Codabench's v2 unpacker accepts, and its
scoring program does, run the way the compute worker runs it, what the leaderboard expects."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from dcase_retrieval_eval.editions import EDITIONS
from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.submission import load_submission
from dcase_retrieval_eval.hosting.bundle import EXAMPLE_NAME, check_docker_image
from dcase_retrieval_eval.hosting.codabench import score_keys

from .conftest import ROOT, run_cli
from .organizer_data import make_gt, system_rankings

# the compute worker's legacy substitutions (codabench compute_worker.py, scoring step)
LEGACY = [("$input", "/app/input"), ("$output", "/app/output"), ("$program", "/app/program"),
          ("$ingestion_program", "/app/program"), ("$hidden", "/app/input/ref"),
          ("$shared", "/app/shared"), ("$submission_program", "/app/ingested_program"),
          ("$tmp", "/app/output"), ("$predictions", "/app/input/res")]


def make_gt_2025(folder: Path, n_queries: int = 30, n_files: int = 40) -> Path:
    """A 2025-form correspondence ground truth: `query,audio_filenames`, several per query."""
    path = folder / "metadata_eval.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["query", "audio_filenames"])
        for q in range(n_queries):
            files = [f"clip_{(q * 7 + j) % n_files:03d}.wav" for j in range(1 + q % 3)]
            w.writerow([f"caption number {q} with birds", repr(files)])
    return path


#: An image name a registry could serve (the option is required; a bare local tag is refused)
IMAGE = "docker.io/dcase/scorer:0.1.0"
#: What the worker writes in its output folder after the prediction step, which it then
#: unpacks into input/res for the scoring step (compute_worker.py, push_output)
WORKER_METADATA = (b"elapsedTime: 0.1\nexitCode: 0\ningestionElapsedTime: null\n"
                   b"ingestionExitCode: null\n")


def bundle(tmp_path: Path, gt: Path, *extra: str) -> Path:
    out = tmp_path / "competition.zip"
    result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt, "--out", out,
                     *extra)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def unpack(zip_path: Path, into: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(into)
    return into


def check_like_the_v2_unpacker(root: Path) -> dict:
    """The checks Codabench's V2Unpacker and its serializers make on upload."""
    doc = yaml.safe_load((root / "competition.yaml").read_text(encoding="utf-8"))
    assert str(doc["version"]) == "2" and doc["title"] and len(doc["title"]) <= 256
    assert (root / doc["image"]).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert (root / doc["terms"]).read_text(encoding="utf-8").strip()
    for page in doc["pages"]:
        assert (root / page["file"]).read_text(encoding="utf-8").strip(), page
    assert len(doc["tasks"]) == 1
    task = doc["tasks"][0]
    assert task["index"] == 0 and (root / task["scoring_program"]).is_dir()
    assert (root / task["reference_data"]).is_dir()
    for sol in doc["solutions"]:
        assert (root / sol["path"]).exists() and set(sol["tasks"]) <= {0}
    phases = sorted(doc["phases"], key=lambda p: p["index"])
    assert [p["name"] for p in phases] == ["Development", "Final"]
    for p in phases:
        assert p["tasks"] == [0] and (root / p["starting_kit"]).is_dir()
    times = [(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"]))
             for p in phases]
    assert times[0][0] < times[0][1] < times[1][0] < times[1][1]  # sequential, no overlap
    (board,) = doc["leaderboards"]
    cols = board["columns"]
    assert len({c["key"] for c in cols}) == len(cols) == len({c["index"] for c in cols})
    assert all(len(c["title"]) <= 36 and len(c["key"]) <= 36 for c in cols)
    assert all(c["sorting"] in ("asc", "desc") for c in cols)
    return doc


def run_like_the_worker(root: Path, program: Path, ref: Path, res_zip: Path | None,
                        res_files: dict[str, bytes] | None = None,
                        ) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Lay out program/, input/ref, input/res, output as the worker does, then run the
    metadata command (legacy variables substituted; /app is `root`)."""
    app = root / "app"
    shutil.copytree(program, app / "program")
    shutil.copytree(ref, app / "input" / "ref")
    (app / "input" / "res").mkdir(parents=True)
    if res_zip is not None:
        unpack(res_zip, app / "input" / "res")
    for name, data in (res_files or {}).items():
        (app / "input" / "res" / name).write_bytes(data)
    # the worker's own file beside the submission (the prediction step's output)
    (app / "input" / "res" / "metadata").write_bytes(WORKER_METADATA)
    (app / "output").mkdir()
    meta = yaml.safe_load((app / "program" / "metadata.yaml").read_text(encoding="utf-8"))
    command = meta["command"]
    for var, value in LEGACY:
        command = command.replace(var, value)
    argv = [a.replace("/app", str(app), 1) if a.startswith("/app") else a
            for a in shlex.split(command)]
    assert argv[0] == "dcase-eval"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "dcase_retrieval_eval", *argv[1:]],
                            capture_output=True, text=True, env=env, cwd=app / "program",
                            timeout=600)
    return result, app / "output"


@pytest.mark.parametrize("year", ["2022", "2025"])
def test_bundle_scores_its_example_like_the_worker(tmp_path: Path, year: str) -> None:
    gt = make_gt(tmp_path, n_files=30, seed=3) if year == "2022" else make_gt_2025(tmp_path)
    out = bundle(tmp_path, gt, "--docker-image", "docker.io/dcase/scorer:0.1.0")
    root = unpack(out, tmp_path / "bundle")
    doc = check_like_the_v2_unpacker(root)
    assert doc["docker_image"] == "docker.io/dcase/scorer:0.1.0"
    columns = doc["leaderboards"][0]["columns"]
    keys = [c["key"] for c in sorted(columns, key=lambda c: c["index"])]
    assert keys == score_keys(EDITIONS[year])
    main = EDITIONS[year].main_metric
    assert columns[0]["title"] == main and columns[0]["sorting"] == "desc"
    assert doc["leaderboards"][0]["primary_index"] == 0
    command = yaml.safe_load((root / "scoring_program" / "metadata.yaml").read_text())["command"]
    assert "/app/input" in command and "/app/output" in command and f"--edition {year}" in command
    # the reference data is the ground truth, byte for byte
    (ref_file,) = (root / "reference_data").iterdir()
    assert ref_file.read_bytes() == gt.read_bytes()

    result, output = run_like_the_worker(tmp_path / "w", root / "scoring_program",
                                         root / "reference_data",
                                         root / "starting_kit" / "example_submission.zip")
    assert result.returncode == 0, result.stdout + result.stderr
    scores = json.loads((output / "scores.json").read_text())
    assert list(scores) == keys  # exactly the leaderboard's columns
    assert all(isinstance(v, float) for v in scores.values())
    assert not (output / "metadata").exists()  # the worker writes it and fails if present
    html = (output / "detailed_results.html").read_text(encoding="utf-8")
    assert main in html and "<script" not in html
    # the solution is the same valid example
    assert (root / "solution" / EXAMPLE_NAME).read_bytes() == (
        root / "starting_kit" / EXAMPLE_NAME).read_bytes()


def make_gt_graded(folder: Path, n_queries: int = 30, n_files: int = 40) -> Path:
    """A graded long-format ground truth: `query,file_name,relevance`, grades 0 to 3."""
    path = folder / "graded_eval.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["query", "file_name", "relevance"])
        for q in range(n_queries):
            for j in range(1 + q % 4):
                name = f"clip_{(q * 5 + j) % n_files:03d}.wav"
                w.writerow([f"caption number {q} with rain", name, str((q + j) % 4)])
    return path


@pytest.mark.parametrize("edition", list(EDITIONS))
def test_every_edition_scores_what_its_leaderboard_shows(tmp_path: Path, edition: str) -> None:
    """For every edition (graded included), the scorer writes exactly the leaderboard's keys,
    the main metric first: a graded competition ranks by nDCG@10, so it must be scored."""
    ed = EDITIONS[edition]
    gt = (make_gt_graded(tmp_path) if ed.ndcg_ks else make_gt_2025(tmp_path)
          if ed.submission_format == "matrix" else make_gt(tmp_path, n_files=30, seed=5))
    root = unpack(bundle(tmp_path, gt, "--edition", edition), tmp_path / "bundle")
    board = check_like_the_v2_unpacker(root)["leaderboards"][0]
    columns = sorted(board["columns"], key=lambda c: c["index"])
    assert columns[board["primary_index"]]["title"] == ed.main_metric
    result, output = run_like_the_worker(tmp_path / "w", root / "scoring_program",
                                         root / "reference_data",
                                         root / "starting_kit" / "example_submission.zip")
    assert result.returncode == 0, result.stdout + result.stderr
    scores = json.loads((output / "scores.json").read_text())
    assert list(scores) == [c["key"] for c in columns]
    main_key = columns[board["primary_index"]]["key"]
    assert main_key in scores and isinstance(scores[main_key], float)
    assert {f"{main_key}_ci_low", f"{main_key}_ci_high"} <= set(scores)
    evaluation = (root / "pages" / "evaluation.md").read_text(encoding="utf-8")
    assert f"**{ed.main_metric}**" in evaluation


def test_an_invalid_submission_fails_with_every_finding(tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=30, seed=4, captions=2)
    root = unpack(bundle(tmp_path, gt_path), tmp_path / "bundle")
    gt = load_ground_truth(gt_path)
    rows = system_rankings(gt, 0.5, 1)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["caption", *(f"file_name_{i}" for i in range(1, 11))])
    for i, (query, files) in enumerate(rows[:-1]):  # the last caption is missing (Q301)
        if i < 3:
            files = [*files[:-1], f"unknown_{i}.wav"]  # A401 three times
        writer.writerow([query, *files])
    data = buf.getvalue().encode("utf-8")
    result, output = run_like_the_worker(tmp_path / "w", root / "scoring_program",
                                         root / "reference_data", None,
                                         {"team_1.output.csv": data})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not (output / "scores.json").exists() and not (output / "metadata").exists()
    html = (output / "detailed_results.html").read_text(encoding="utf-8")
    assert html.count("<td>A401</td><td>error</td>") == 3
    assert html.count("<td>Q301</td><td>error</td>") == 1
    assert all(f"unknown_{i}.wav" in html for i in range(3))
    assert "--lenient" in html and "lenient=True" not in html


def test_the_pages_state_the_format_metrics_and_ci(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=30)
    n_captions = load_ground_truth(gt).n_queries
    root = unpack(bundle(tmp_path, gt), tmp_path / "b")
    fmt = (root / "pages" / "submission.md").read_text(encoding="utf-8")
    assert "`file_name_1`...`file_name_10`" in fmt
    assert "`fname_1`...`fname_10`" in fmt  # the spelling many teams use
    # the page names exactly the spellings the reader accepts
    accepted = [p for p in ("file_name", "fname", "filename") if _header_ok(tmp_path, p)]
    assert accepted == ["file_name", "fname"]
    assert [p for p in ("file_name", "fname", "filename") if f"`{p}_1`" in fmt] == accepted
    assert "<label>.output.csv" in fmt
    ev = (root / "pages" / "evaluation.md").read_text(encoding="utf-8")
    assert "mAP@10" in ev and "R@1" in ev and "95% confidence interval" in ev
    assert "jackknife" in ev
    overview = (root / "pages" / "overview.md").read_text(encoding="utf-8")
    assert f"{n_captions} captions" in overview and "30 audio files" in overview


def _header_ok(tmp_path: Path, prefix: str) -> bool:
    path = tmp_path / f"{prefix}.csv"
    path.write_text("caption," + ",".join(f"{prefix}_{i}" for i in range(1, 11)) + "\n"
                    + "a,b,c,d,e,f,g,h,i,j,k.wav\n", encoding="utf-8")
    return not [f for f in load_submission(path).findings if f.code.startswith("C2")]


def test_the_example_does_not_reveal_the_ground_truth(tmp_path: Path) -> None:
    """Two ground truths with the same captions and files but other answers: same example."""
    gt_a = make_gt(tmp_path, n_files=30, seed=5, captions=1)
    with open(gt_a, encoding="utf-8", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    names = [r[0] for r in rows]
    (tmp_path / "b").mkdir()
    gt_b = tmp_path / "b" / "gt.csv"
    with open(gt_b, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([names[(i + 1) % len(names)], *r[1:]] for i, r in enumerate(rows))
    assert load_ground_truth(gt_a).relevant(0) != load_ground_truth(gt_b).relevant(0)
    ex = []
    for i, gt in enumerate((gt_a, gt_b)):
        out = tmp_path / f"c{i}.zip"
        assert run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                       "--out", out).returncode == 0
        with zipfile.ZipFile(out) as zf:
            ex.append(zf.read(f"starting_kit/{EXAMPLE_NAME}"))
    assert ex[0] == ex[1]


def test_bundle_options_and_refusals(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=30)
    out = bundle(tmp_path, gt, "--title", "My <b>retrieval</b> task", "--edition", "2024",
                 "--start", "2027-03-01", "--final-start", "2027-06-01")
    doc = yaml.safe_load(zipfile.ZipFile(out).read("competition.yaml"))
    assert doc["title"] == "My <b>retrieval</b> task"
    assert doc["phases"][0]["start"] == "2027-03-01 00:00:00"
    assert doc["phases"][1]["start"] == "2027-06-01 00:00:00"
    assert "--edition 2024" in zipfile.ZipFile(out).read("scoring_program/metadata.yaml").decode()
    cases = [
        (["--out", gt], "input"),                               # would overwrite the ground truth
        (["--out", tmp_path / "c.tar"], ".zip"),
        (["--out", gt / "c.zip"], "not a folder"),
        (["--out", tmp_path], "directory"),
        (["--out", tmp_path / "d.zip", "--docker-image", "Not An Image"], "--docker-image"),
        (["--out", tmp_path / "d.zip", "--title", " "], "--title"),
        (["--out", tmp_path / "d.zip", "--start", "2027-06-01", "--final-start", "2027-01-01"],
         "--final-start"),
        (["--out", tmp_path / "d.zip", "--start", "June"], "YYYY-MM-DD"),
    ]
    for args, word in cases:
        result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert word in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()[-1]) > 0
    assert gt.read_text(encoding="utf-8").startswith("file_name,")
    assert not (tmp_path / "d.zip").exists()
    # an unusable ground truth is a finding (exit 1), and nothing is written
    bad = tmp_path / "bad.csv"
    bad.write_text("nothing,here\n", encoding="utf-8")
    result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", bad,
                     "--out", tmp_path / "e.zip")
    assert result.returncode == 1 and "G605" in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "e.zip").exists()


def test_docker_image_names() -> None:
    for ok in ("user/scorer", "ghcr.io/org/scorer:v1", "localhost:5000/scorer:latest",
               "docker.io/u/" + "s" * 114):
        assert check_docker_image(ok) == ok
    for bad in ("", "UPPER/case", "a b", "x:", "x::y", "dcase-retrieval-eval:0.1.0", None,
                "docker.io/u/" + "s" * 117):
        with pytest.raises(ValueError):
            check_docker_image(bad)


def test_the_dockerfile_installs_this_package() -> None:
    """docker cannot run here: check that what the Dockerfile copies exists and that it
    installs the scorer and no optional extra."""
    text = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    sources = [s for line in re.findall(r"^COPY (.+)$", text, re.M)
               for s in line.split()[:-1]]
    assert sources and all((ROOT / s).exists() for s in sources), sources
    assert re.search(r"^RUN pip install -c constraints\.txt \.( |$)", text, re.M)
    assert "[baseline]" not in text and "dcase-eval --version" in text
    assert (ROOT / ".dockerignore").read_text().count(".venv") == 1


def test_the_guides_local_recipe_runs(tmp_path: Path) -> None:
    """docs/organizer-guide.md: the shell recipe that lays a bundle out like the worker works."""
    if not shutil.which("unzip"):
        pytest.skip("unzip is not installed")
    guide = (ROOT / "docs" / "organizer-guide.md").read_text(encoding="utf-8")
    section = guide[guide.index("## 6. From a ground truth to a Codabench bundle"):]
    recipe = section[section.index("To try the bundle without Codabench"):]
    script = recipe[recipe.index("```\n") + 4:recipe.index("\n```", recipe.index("```\n") + 4)]
    assert "dcase-eval score --codabench run/input run/output" in script
    bundle(tmp_path, make_gt(tmp_path, n_files=30))
    shim = tmp_path / "bin" / "dcase-eval"
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" '
                    '-m dcase_retrieval_eval "$@"\n')
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-euc", script], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(json.loads((tmp_path / "run" / "output" / "scores.json").read_text())) == \
        score_keys(EDITIONS["2022"])


@pytest.mark.slow
def test_the_docker_build_context_makes_the_wheel(tmp_path: Path) -> None:
    """What the Dockerfile COPYs (less .dockerignore) is enough for its `pip install .`."""
    text = (ROOT / "docker" / "Dockerfile").read_text(encoding="utf-8")
    context = tmp_path / "src"
    context.mkdir()
    skip = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    for line in re.findall(r"^COPY (.+)$", text, re.M):
        for source in line.split()[:-1]:
            src = ROOT / source
            if src.is_dir():
                shutil.copytree(src, context / source, ignore=skip)
            else:
                (context / source).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, context / source)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"),
         str(context)],  # isolated build, as in the image: pyproject's own setuptools
        capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    wheel = next((tmp_path / "dist").glob("dcase_retrieval_eval-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        entry = next(n for n in names if n.endswith("entry_points.txt"))
        assert "dcase-eval = dcase_retrieval_eval.cli:run" in zf.read(entry).decode()
    assert "dcase_retrieval_eval/hosting/codabench.py" in names
    assert "dcase_retrieval_eval/cli/codabench.py" in names


def test_a_legacy_style_command_runs_the_same(tmp_path: Path) -> None:
    """Organizers who copy an old CodaLab metadata (`$input $output`) get the same scores."""
    root = unpack(bundle(tmp_path, make_gt(tmp_path, n_files=30)), tmp_path / "b")
    meta = root / "scoring_program" / "metadata.yaml"
    command = yaml.safe_load(meta.read_text())["command"]
    modern, _ = run_like_the_worker(tmp_path / "w1", root / "scoring_program",
                                    root / "reference_data",
                                    root / "starting_kit" / "example_submission.zip")
    meta.write_text(yaml.safe_dump({"command": command.replace("/app/input", "$input")
                                    .replace("/app/output", "$output")}))
    assert "$input $output" in meta.read_text()
    legacy, _ = run_like_the_worker(tmp_path / "w2", root / "scoring_program",
                                    root / "reference_data",
                                    root / "starting_kit" / "example_submission.zip")
    assert modern.returncode == legacy.returncode == 0, legacy.stdout + legacy.stderr
    first = json.loads((tmp_path / "w1" / "app" / "output" / "scores.json").read_text())
    second = json.loads((tmp_path / "w2" / "app" / "output" / "scores.json").read_text())
    assert first == second


def test_an_audio_list_widens_what_the_scorer_accepts(tmp_path: Path) -> None:
    """A multi-relevant ground truth names only relevant files; the evaluation set has more."""
    gt = make_gt_2025(tmp_path, n_queries=30, n_files=40)
    named = set(load_ground_truth(gt).audio)
    audio = [f"clip_{i:03d}.wav" for i in range(50)]
    (tmp_path / "audio.txt").write_text("\n".join(audio) + "\n", encoding="utf-8")
    out = tmp_path / "full.zip"
    result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt, "--out", out,
                     "--audio-list", tmp_path / "audio.txt")
    assert result.returncode == 0, result.stderr
    assert "audio set is the" not in result.stderr
    root = unpack(out, tmp_path / "full")
    listed = (root / "reference_data" / "audio_set.txt").read_text().splitlines()
    assert len(listed) == len(set(listed)) and set(listed) == set(audio) | named
    example = root / "starting_kit" / "example_submission.zip"
    with zipfile.ZipFile(example) as zf:
        header = zf.read(EXAMPLE_NAME).decode().splitlines()[0].split(",")
    assert sorted(header[1:]) == audio  # the example scores every evaluation file
    ok, output = run_like_the_worker(tmp_path / "w1", root / "scoring_program",
                                     root / "reference_data", example)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert list(json.loads((output / "scores.json").read_text())) == score_keys(EDITIONS["2025"])
    # with the audio set every name is checked: a misspelt column is rejected (A401)
    with zipfile.ZipFile(example) as zf:
        text = zf.read(EXAMPLE_NAME).decode()
    typo = text.replace("clip_045.wav", "clip_45.wav", 1).encode()
    bad, output = run_like_the_worker(tmp_path / "w2", root / "scoring_program",
                                      root / "reference_data", None, {"T_1.output.csv": typo})
    assert bad.returncode == 1
    html = (output / "detailed_results.html").read_text(encoding="utf-8")
    assert html.count("<td>A401</td><td>error</td>") == 1 and "clip_45.wav" in html
    # without it, names outside the ground truth cannot be checked: scored as misses, and said
    narrow = tmp_path / "narrow.zip"
    result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt, "--out", narrow)
    assert result.returncode == 0 and "--audio-list" in result.stderr
    root2 = unpack(narrow, tmp_path / "narrow")
    assert not (root2 / "reference_data" / "audio_set.txt").exists()
    loose, output = run_like_the_worker(tmp_path / "w3", root2 / "scoring_program",
                                        root2 / "reference_data", None, {"T_1.output.csv": typo})
    assert loose.returncode == 0, loose.stdout + loose.stderr
    assert "<td>A405</td><td>warning</td>" in (output / "detailed_results.html").read_text(
        encoding="utf-8")
    (tmp_path / "wavs").mkdir()
    both = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                   "--out", tmp_path / "x.zip",
                   "--audio-list", tmp_path / "audio.txt", "--audio-dir", tmp_path / "wavs")
    assert both.returncode == 2 and "not both" in both.stderr


def test_both_spellings_score_the_same_on_the_worker(tmp_path: Path) -> None:
    """`fname_N` (widely used by teams) and `file_name_N` give the same scores."""
    gt_path = make_gt(tmp_path, n_files=30, seed=6)
    root = unpack(bundle(tmp_path, gt_path), tmp_path / "b")
    rows = system_rankings(load_ground_truth(gt_path), 0.7, 2)
    scores = []
    for prefix in ("file_name", "fname"):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["caption", *(f"{prefix}_{i}" for i in range(1, 11))])
        writer.writerows([q, *files] for q, files in rows)
        result, output = run_like_the_worker(tmp_path / prefix, root / "scoring_program",
                                             root / "reference_data", None,
                                             {"T_1.output.csv": buf.getvalue().encode()})
        assert result.returncode == 0, result.stdout + result.stderr
        scores.append(json.loads((output / "scores.json").read_text()))
    assert scores[0] == scores[1] and scores[0]["map_at_10"] > 0.1
