"""The bundle and the scorer against what the real Codabench code does.

Read from codalab/codabench: the compute worker pulls the competition's image before every run,
writes its own `metadata` file into the prediction step's output (which becomes the scoring
step's input/res), and the server stores each score in a NOT NULL column; the models limit a
docker image name to 128 characters, a column key or title to 36, a leaderboard title to 64
and a competition title to 256.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import yaml

from dcase_retrieval_eval.formats.ground_truth import load_ground_truth
from dcase_retrieval_eval.formats.query_set import load_query_set
from dcase_retrieval_eval.hosting.bundle import (
    QUERIES_NAME,
    BundleOptionError,
    check_limits,
    competition_yaml,
)
from dcase_retrieval_eval.hosting.versions import scorer_versions

from .conftest import ROOT, run_cli
from .organizer_data import make_gt, system_rankings
from .test_codabench_bundle import IMAGE, WORKER_METADATA, bundle, run_like_the_worker, unpack

# ---------------------------------------------------------------------------------------------
# the image: the worker pulls it, so it must be a name a registry serves


def test_a_bundle_without_a_pullable_image_is_refused(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=30)
    out = tmp_path / "c.zip"
    result = run_cli("codabench", "bundle", "--gt", gt, "--out", out)
    assert result.returncode == 2 and not out.exists()
    assert "--docker-image is required" in result.stderr and "pulls" in result.stderr
    for image, why in [("dcase-retrieval-eval:0.1.0", "docker.io/library/"),
                       ("docker.io/u/" + "s" * 117, "at most 128"),
                       ("Not An Image", "not a Docker image reference")]:
        result = run_cli("codabench", "bundle", "--gt", gt, "--out", out,
                         "--docker-image", image)
        assert result.returncode == 2 and why in result.stderr, (image, result.stderr)
        assert not out.exists()
    longest = "docker.io/u/" + "s" * 116  # 128 characters: Codabench's limit, accepted
    assert run_cli("codabench", "bundle", "--gt", gt, "--out", out,
                   "--docker-image", longest).returncode == 0


@pytest.mark.parametrize(("where", "limit"), [("title", 256), ("leaderboard", 64),
                                              ("column title", 36), ("column key", 36)])
def test_codabench_field_limits_are_enforced(tmp_path: Path, where: str, limit: int) -> None:
    from dcase_retrieval_eval.editions import EDITIONS

    doc = competition_yaml(title="T", edition=EDITIONS["2022"], docker_image=IMAGE,
                           start=__import__("datetime").date(2027, 1, 1),
                           final_start=__import__("datetime").date(2027, 3, 1))
    check_limits(doc)  # the bundle's own texts fit
    board = doc["leaderboards"][0]  # type: ignore[index]
    if where == "title":
        doc["title"] = "x" * (limit + 1)
    elif where == "leaderboard":
        board["title"] = "x" * (limit + 1)
    else:
        board["columns"][1][where.split()[1]] = "x" * (limit + 1)
    with pytest.raises(BundleOptionError, match=f"at most {limit}"):
        check_limits(doc)
    if where == "title":  # and through the command: exit 2, nothing written
        gt = make_gt(tmp_path, n_files=30)
        result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt,
                         "--out", tmp_path / "c.zip", "--title", "x" * 257)
        assert result.returncode == 2 and not (tmp_path / "c.zip").exists()


# ---------------------------------------------------------------------------------------------
# input/res holds the worker's metadata file beside the submission


def test_the_workers_metadata_file_in_res_is_not_the_participants(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=30, seed=4)
    root = unpack(bundle(tmp_path, gt), tmp_path / "b")
    program, ref = root / "scoring_program", root / "reference_data"
    ok, output = run_like_the_worker(tmp_path / "ok", program, ref,
                                     root / "starting_kit" / "example_submission.zip")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (tmp_path / "ok" / "app" / "input" / "res" / "metadata").read_bytes() == \
        WORKER_METADATA  # the emulation lays it there, as the worker does
    # a README alone: the message names it, not the worker's file
    bad, output = run_like_the_worker(tmp_path / "readme", program, ref, None,
                                      {"README.txt": b"see the zip"})
    page = (output / "detailed_results.html").read_text(encoding="utf-8")
    assert bad.returncode == 1 and "only &#x27;README.txt&#x27;;" in page
    assert "metadata" not in page
    # hidden files alone: the hidden-files message is reached
    bad, output = run_like_the_worker(tmp_path / "hidden", program, ref, None,
                                      {".DS_Store": b"\0"})
    page = (output / "detailed_results.html").read_text(encoding="utf-8")
    assert bad.returncode == 1 and "only hidden files" in page and "metadata" not in page


# ---------------------------------------------------------------------------------------------
# a score that is not a number: the server would refuse it after storing part of the scores


def test_a_non_finite_score_is_a_finding_not_null(tmp_path: Path) -> None:
    ref = tmp_path / "in" / "ref"
    res = tmp_path / "in" / "res"
    ref.mkdir(parents=True)
    res.mkdir()
    files = [f"clip_{i:02d}.wav" for i in range(12)]
    with open(ref / "gt.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            [["file_name", "caption_1"], [files[0], "A dog barks."],
             *[[f, ""] for f in files[1:]]])
    with open(res / "X_1.output.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(
            [["caption", *[f"file_name_{i}" for i in range(1, 11)]],
             ["A dog barks.", *files[:10]]])
    (res / "metadata").write_bytes(WORKER_METADATA)
    out = tmp_path / "out"
    out.mkdir()
    (out / "scores.json").write_text('{"map_at_10": 0.5}')  # stale: must not survive
    result = run_cli("score", "--codabench", tmp_path / "in", out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "H806" in result.stdout and not (out / "scores.json").exists()
    page = (out / "detailed_results.html").read_text(encoding="utf-8")
    assert "<td>H806</td><td>error</td>" in page and "at least 2" in page
    assert "null" not in page


# ---------------------------------------------------------------------------------------------
# the scoring image: pinned libraries, and the page says which ones ran


def test_the_page_records_the_versions_that_scored(tmp_path: Path) -> None:
    gt = make_gt(tmp_path, n_files=30, seed=5)
    root = unpack(bundle(tmp_path, gt), tmp_path / "b")
    ok, output = run_like_the_worker(tmp_path / "w", root / "scoring_program",
                                     root / "reference_data",
                                     root / "starting_kit" / "example_submission.zip")
    assert ok.returncode == 0
    page = (output / "detailed_results.html").read_text(encoding="utf-8")
    versions = scorer_versions()
    assert "<h2>Scored with</h2>" in page
    for name in ("python", "dcase-retrieval-eval", "numpy", "scipy", "pyarrow"):
        assert f"{name} {versions[name]}" in page
    scores = json.loads((output / "scores.json").read_text())
    assert all(isinstance(v, float) for v in scores.values())  # numbers only, for the server


def _requirement_name(line: str) -> str:
    return re.split(r"[<>=!~;\[ ]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_the_constraints_pin_every_dependency_of_the_scorer() -> None:
    """docker/constraints.txt pins (==) the whole dependency closure of the scorer, as
    installed here, within pyproject's ranges; the Dockerfile installs with it."""
    from importlib.metadata import distribution

    from packaging.requirements import Requirement
    from packaging.version import Version

    pins = {}
    for line in (ROOT / "docker" / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, ver = line.partition("==")
            assert ver, f"not pinned with ==: {line}"
            pins[name.strip().lower()] = Version(ver.strip())
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = [Requirement(r) for r in project["dependencies"]]
    for req in direct:
        name = req.name.lower()
        assert name in pins and req.specifier.contains(pins[name]), (name, pins.get(name))
    closure, stack = set(), [r.name for r in direct]
    while stack:
        name = stack.pop().lower().replace("_", "-")
        if name in closure:
            continue
        closure.add(name)
        for text in distribution(name).requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                stack.append(req.name)
    assert closure <= set(pins), sorted(closure - set(pins))
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "COPY docker/constraints.txt" in dockerfile
    assert re.search(r"^RUN pip install -c constraints\.txt \.", dockerfile, re.M)


# ---------------------------------------------------------------------------------------------
# the starting kit ships the queries its README validates with, never the ground truth


def test_the_starting_kit_ships_the_queries_not_the_ground_truth(tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=30, seed=7)
    gt = load_ground_truth(gt_path)
    root = unpack(bundle(tmp_path, gt_path), tmp_path / "b")
    kit = root / "starting_kit"
    readme = (kit / "README.md").read_text(encoding="utf-8")
    assert f"--queries {QUERIES_NAME}" in readme
    text = (kit / QUERIES_NAME).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["caption"] and sorted(r[0] for r in rows[1:]) == sorted(gt.queries)
    assert [r[0] for r in rows[1:]] == sorted(gt.queries)  # not grouped by clip
    assert not any(a in text for a in gt.audio)  # no file name, so no relevance
    # the README's command, as a participant runs it (the generated names include one with a
    # '/', which no folder can hold: the same audio set given as a list)
    audio = tmp_path / "audio.txt"
    audio.write_text("".join(f"{a}\n" for a in gt.audio), encoding="utf-8")
    sub = tmp_path / "mine.output.csv"
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["caption", *(f"file_name_{i}" for i in range(1, 11))])
    writer.writerows([q, *files] for q, files in system_rankings(gt, 0.5, 3))
    sub.write_text(buf.getvalue(), encoding="utf-8")
    result = run_cli("validate", sub, "--queries", kit / QUERIES_NAME, "--audio-list", audio)
    assert result.returncode == 0, result.stdout
    assert load_query_set(kit / QUERIES_NAME, audio_list=audio).n_queries == gt.n_queries
    with zipfile.ZipFile(kit / "example_submission.zip") as zf:
        example = zf.read("example.output.csv").decode()
    assert [r[0] for r in list(csv.reader(io.StringIO(example)))[1:]] == sorted(gt.queries)


# ---------------------------------------------------------------------------------------------
# development and final phases on different captions


def _queries_of(ref: Path) -> set[str]:
    (csv_file,) = [p for p in ref.iterdir() if p.suffix == ".csv"]
    return set(load_ground_truth(csv_file).queries)


def test_dev_fraction_scores_the_phases_on_other_captions(tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=40, seed=8)
    gt = load_ground_truth(gt_path)
    out = bundle(tmp_path, gt_path, "--dev-fraction", "0.25")
    root = unpack(out, tmp_path / "b")
    doc = yaml.safe_load((root / "competition.yaml").read_text(encoding="utf-8"))
    tasks = {t["index"]: t for t in doc["tasks"]}
    dev_phase, final_phase = sorted(doc["phases"], key=lambda p: p["index"])
    dev_ref = root / tasks[dev_phase["tasks"][0]]["reference_data"]
    final_ref = root / tasks[final_phase["tasks"][0]]["reference_data"]
    assert dev_ref != final_ref and dev_phase["starting_kit"] != final_phase["starting_kit"]
    for sol in doc["solutions"]:  # what the V2 unpacker needs: each solution for a real task
        assert (root / sol["path"]).is_dir() and set(sol["tasks"]) <= set(tasks)
    dev_q, final_q = _queries_of(dev_ref), _queries_of(final_ref)
    assert not dev_q & final_q and dev_q | final_q == set(gt.queries)
    assert 0.25 * gt.n_queries <= len(dev_q) < 0.25 * gt.n_queries + 5
    for q in range(gt.n_queries):  # a clip's five captions stay on one side
        clip = gt.relevant(q)[0]
        side = gt.queries[q] in dev_q
        assert all((gt.queries[o] in dev_q) == side for o in range(gt.n_queries)
                   if gt.relevant(o) == [clip])
    # the audio set stays the whole evaluation set on both sides
    for ref in (dev_ref, final_ref):
        assert set((ref / "audio_set.txt").read_text().splitlines()) == set(gt.audio)
    # each phase's starting kit lists its own captions, and its example scores on its task only
    for phase, ref, other in ((dev_phase, dev_ref, final_ref), (final_phase, final_ref, dev_ref)):
        kit = root / phase["starting_kit"]
        listed = {r[0] for r in list(csv.reader(io.StringIO(
            (kit / QUERIES_NAME).read_text(encoding="utf-8"))))[1:]}
        assert listed == _queries_of(ref)
        example = kit / "example_submission.zip"
        ok, _ = run_like_the_worker(tmp_path / f"ok{phase['index']}", root / "scoring_program",
                                    ref, example)
        assert ok.returncode == 0, ok.stdout + ok.stderr
        wrong, output = run_like_the_worker(tmp_path / f"no{phase['index']}",
                                            root / "scoring_program", other, example)
        assert wrong.returncode == 1 and "Q302" in wrong.stdout
    # seeded: the same seed gives the same split, another seed another one
    (tmp_path / "again").mkdir()
    again = unpack(bundle(tmp_path / "again", gt_path, "--dev-fraction", "0.25"),
                   tmp_path / "b2")
    assert _queries_of(again / dev_ref.name) == dev_q
    other_seed = unpack(bundle(tmp_path / "again", gt_path, "--dev-fraction", "0.25",
                               "--dev-seed", "7"), tmp_path / "b3")
    assert _queries_of(other_seed / dev_ref.name) != dev_q


def test_dev_gt_is_the_development_phases_reference(tmp_path: Path) -> None:
    gt_path = make_gt(tmp_path, n_files=30, seed=9)
    (tmp_path / "dev").mkdir()
    dev_path = make_gt(tmp_path / "dev", n_files=30, seed=10)
    root = unpack(bundle(tmp_path, gt_path, "--dev-gt", dev_path), tmp_path / "b")
    doc = yaml.safe_load((root / "competition.yaml").read_text(encoding="utf-8"))
    tasks = {t["index"]: t for t in doc["tasks"]}
    dev_phase = next(p for p in doc["phases"] if p["name"] == "Development")
    dev_ref = root / tasks[dev_phase["tasks"][0]]["reference_data"]
    assert (dev_ref / dev_path.name).read_bytes() == dev_path.read_bytes()
    assert (root / "reference_data" / gt_path.name).read_bytes() == gt_path.read_bytes()
    ok, _ = run_like_the_worker(tmp_path / "w", root / "scoring_program", dev_ref,
                                root / dev_phase["starting_kit"] / "example_submission.zip")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    for args, word in [(["--dev-gt", dev_path, "--dev-fraction", "0.2"], "not both"),
                       (["--dev-fraction", "1.5"], "--dev-fraction"),
                       (["--dev-fraction", "0"], "--dev-fraction")]:
        result = run_cli("codabench", "bundle", "--docker-image", IMAGE, "--gt", gt_path,
                         "--out", tmp_path / "x.zip", *args)
        assert result.returncode == 2 and word in result.stderr, (args, result.stderr)
        assert not (tmp_path / "x.zip").exists()
