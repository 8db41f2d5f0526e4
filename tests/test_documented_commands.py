"""What the pages tell a new user to type works as typed: the commands and examples of the
README, the organizer's guide and the messages that quote an example, run on generated data."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dcase_retrieval_eval import load_ground_truth
from dcase_retrieval_eval.cli.demo import make_challenge
from dcase_retrieval_eval.hosting.bundle import NO_IMAGE, check_docker_image

from .conftest import ROOT, cli
from .organizer_data import make_challenge as organizer_challenge

PAGES = [ROOT / "README.md", ROOT / "docs" / "organizer-guide.md", ROOT / "docker" / "Dockerfile"]
#: an image name given to --docker-image, `docker build -t`, `docker run` or `docker push`
IMAGE_ARG = re.compile(r"(?:--docker-image|-t|--rm|push)\s+((?:[\w.:-]+/)+[\w.-]+(?::[\w.-]+)?)")


def _documented_images() -> set[str]:
    found = {m.group(1) for page in PAGES for m in IMAGE_ARG.finditer(page.read_text("utf-8"))}
    assert len(found) >= 2, found  # the guide's docker.io/... and the Dockerfile's short name
    return found


@pytest.mark.parametrize("image", sorted(_documented_images()))
def test_every_documented_image_name_is_accepted(image: str) -> None:
    # a placeholder copied as written must not be refused (Docker names are lower case)
    assert check_docker_image(image) == image


def test_the_messages_example_image_is_accepted() -> None:
    example = re.search(r"e\.g\. --docker-image (\S+)", NO_IMAGE)
    assert example and check_docker_image(example.group(1))
    with pytest.raises(ValueError) as refused:
        check_docker_image("docker.io/Me/dcase-retrieval-eval:0.1.0")
    shown = re.search(r"e\.g\. (\S+?)\)", str(refused.value))
    assert shown and check_docker_image(shown.group(1))


def test_capitals_in_the_repository_are_named_as_the_reason(tmp_path: Path) -> None:
    gt_path, _ = make_challenge(tmp_path / "c", n_files=20, seed=1)
    code, out, err = cli("codabench", "bundle", "--gt", gt_path, "--out", tmp_path / "b.zip",
                         "--docker-image", "docker.io/YOU/dcase-retrieval-eval:0.1.0")
    assert code == 2 and "lower case" in err, out + err
    assert not (tmp_path / "b.zip").exists()
    # the registry and the tag may have capitals; only the repository path is refused
    assert check_docker_image("Registry.Example.org:5000/team/scorer:V1")
    code, out, err = cli("codabench", "bundle", "--gt", gt_path, "--out", tmp_path / "b.zip",
                         "--docker-image", "docker.io/yourname/dcase-retrieval-eval:0.1.0",
                         "--quiet")
    assert code == 0 and (tmp_path / "b.zip").is_file(), out + err


def _shell_block(page: Path, after: str) -> list[list[str]]:
    """The commands of the first fenced block after the sentence `after`, split into words."""
    text = page.read_text("utf-8")
    block = re.search(r"```[^\n]*\n(.*?)```", text[text.index(after):], re.S)
    assert block, after
    return [line.split() for line in block.group(1).splitlines() if line.strip()]


def _run_shell(commands: list[list[str]], cwd: Path, skip: str = "") -> tuple[int, str, str]:
    """Run the few shell commands the guide uses (unzip, mkdir -p, cp -r, cat, dcase-eval) in
    `cwd`, a word with a `/` being a path, leaving out the command holding `skip`; the last
    dcase-eval's result is returned."""
    result = (0, "", "")
    for words in commands:
        if skip and skip in words:
            continue
        name, args = words[0], words[1:]
        if name == "unzip":
            with zipfile.ZipFile(cwd / args[0]) as zf:
                zf.extractall(cwd / args[args.index("-d") + 1])
        elif name == "mkdir":
            for folder in args[1:]:
                (cwd / folder).mkdir(parents=True, exist_ok=True)
        elif name == "cp":
            shutil.copytree(cwd / args[1], cwd / args[2])
        elif name == "cat":
            continue  # the test reads the file itself
        else:
            assert name == "dcase-eval", words
            result = cli(*[cwd / a if "/" in a else a for a in args])
    return result


GUIDE = ROOT / "docs" / "organizer-guide.md"
TRY_BUNDLE = "To try the bundle without Codabench"


def test_the_guides_bundle_trial_scores_the_example(tmp_path: Path) -> None:
    gt_path, _ = make_challenge(tmp_path / "c", n_files=20, seed=1)
    code, out, err = cli("codabench", "bundle", "--gt", gt_path, "--out",
                         tmp_path / "competition.zip", "--docker-image",
                         "docker.io/yourname/dcase-retrieval-eval:0.1.0", "--quiet")
    assert code == 0, out + err
    code, out, err = _run_shell(_shell_block(GUIDE, TRY_BUNDLE), tmp_path)
    assert code == 0, out + err
    scores = json.loads((tmp_path / "run" / "output" / "scores.json").read_text("utf-8"))
    assert 0 <= scores["map_at_10"] <= 1


def test_a_trial_without_the_reference_data_says_what_the_organizer_must_do(
        tmp_path: Path) -> None:
    gt_path, _ = make_challenge(tmp_path / "c", n_files=20, seed=1)
    assert cli("codabench", "bundle", "--gt", gt_path, "--out", tmp_path / "competition.zip",
               "--docker-image", "docker.io/yourname/dcase-retrieval-eval:0.1.0",
               "--quiet")[0] == 0
    code, out, err = _run_shell(_shell_block(GUIDE, TRY_BUNDLE), tmp_path,
                                skip="bundle/reference_data")
    assert code == 1
    page = (tmp_path / "run" / "output" / "detailed_results.html").read_text("utf-8")
    assert "ref is missing" in page and "reference_data/" in page
    assert "Upload a zip" not in page  # a participant's hint, not the organizer's


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text("utf-8"), re.S)


def test_the_readmes_python_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    gt_path, systems = make_challenge(tmp_path, n_files=20, seed=3)
    shutil.copy(gt_path, tmp_path / "captions.csv")
    shutil.copy(next(p for p in systems if p.name.startswith("strong")),
                tmp_path / "submission.csv")
    gt = load_ground_truth(gt_path)  # and the participants' query file and audio folder
    with open(tmp_path / "queries.csv", "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["caption"], *([q] for q in gt.queries)])
    (tmp_path / "audio").mkdir()
    for name in gt.audio:
        (tmp_path / "audio" / name).write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    files, api = _python_blocks(ROOT / "README.md")
    scope: dict[str, object] = {}
    exec(files, scope)  # the README's own example
    value, low = map(float, capsys.readouterr().out.split())
    assert 0 < low < value <= 1
    assert scope["report"].valid  # type: ignore[attr-defined]
    caption_to_clip = np.repeat(np.arange(8), 5)
    exec(api, {"text_emb": rng.normal(size=(40, 6)), "audio_emb": rng.normal(size=(8, 6)),
               "caption_to_clip": caption_to_clip})
    shown = capsys.readouterr().out.strip()
    comment = re.search(r"# (text-to-audio n=)\d+(: mAP@10 )", api)
    assert comment and shown.startswith(f"{comment.group(1)}40{comment.group(2)}"), shown
    assert "\n" not in shown  # one line, as the README says


def test_the_guides_python_runs_as_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    gt_path, uploads = organizer_challenge(
        tmp_path, {"Doe_UniX": [("Doe_UniX_task6b_1", 0.8)],
                   "Xie_TAU": [("Xie_TAU_task6b_1", 0.3)]}, n_files=20)
    shutil.move(gt_path, tmp_path / "eval_gt.csv")
    monkeypatch.chdir(tmp_path)
    (block,) = _python_blocks(GUIDE)
    exec(block.replace("rounds=10_000", "rounds=99"), {})  # the guide's example, fewer rounds
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["1", "Doe_UniX", "Doe_UniX_task6b_1"], lines
    assert (tmp_path / "results" / "index.html").is_file()


def test_the_kept_demos_closing_command_can_be_pasted(tmp_path: Path) -> None:
    kept = tmp_path / "my demo [kept]"  # a space and brackets: quoted, not read as markup
    code, out, err = cli("demo", "--keep", kept, "--queries", "20")
    assert code == 0, out + err
    command = out.split("Check a file yourself: ", 1)[1].strip()
    words = shlex.split(command)
    assert words[:2] == ["dcase-eval", "validate"], command
    code, out, err = cli(*words[1:])
    assert code == 1 and "broken.output.csv: INVALID" in " ".join(out.split()), out + err


def test_rank_and_score_state_the_same_automatic_edition() -> None:
    def auto_rule(*command: str) -> str:
        code, out, err = cli(*command, "--help")
        assert code == 0, err
        text = " ".join(out.split())
        return text[text.index("auto = "):].split(".")[0].removesuffix(" (as score)")

    assert auto_rule("rank") == auto_rule("score")
    assert "graded for graded relevance, 2023 for the 2023 captions file" in auto_rule("rank")
    guide = " ".join(GUIDE.read_text("utf-8").split())
    assert "graded for graded relevance, 2023 for the 2023 captions file" in guide


def test_install_commands_are_the_readmes() -> None:
    # the project installs from its checkout (`pip install .`, extras in quotes); a bare
    # `pip install dcase-retrieval-eval` names a distribution that no index holds
    from dcase_retrieval_eval.hosting import bundle_pages

    sources = {p.name: p.read_text("utf-8") for p in (ROOT / "docs").glob("*.md")}
    sources["README.md"] = (ROOT / "README.md").read_text("utf-8")
    sources["bundle_pages.py"] = Path(bundle_pages.__file__).read_text("utf-8")
    found = {name: re.findall(r"pip install ([^\s`#]+)", text) for name, text in sources.items()}
    assert found["organizer-guide.md"] and found["bundle_pages.py"]
    for name, targets in found.items():
        for target in targets:
            assert target.startswith((".", '".[', "torch==", "-")), (name, target)


EVALUATE_DOC = ROOT / "docs" / "evaluate.md"


@pytest.mark.parametrize("name", ["evaluate", "evaluate_embeddings", "EmbeddingMetric",
                                  "evaluate_convention"])
def test_the_documented_signatures_are_the_functions(name: str) -> None:
    import inspect

    import dcase_retrieval_eval

    text = " ".join(EVALUATE_DOC.read_text("utf-8").split())
    found = re.search(rf"`{name}\((sim|text_emb|\*)[^`]*\)`", text)
    assert found, name
    inner = re.sub(r"\([^()]*\)", "", found.group(0)[len(name) + 2:-2])  # tuple defaults
    documented = [part.split("=")[0].strip().lstrip("*") for part in inner.split(",")]
    target = getattr(dcase_retrieval_eval, name)
    params = inspect.signature(target.__init__ if inspect.isclass(target) else target).parameters
    actual = [p for p in params if p != "self"]
    assert [d for d in documented if d] == actual, (documented, actual)


def test_lenient_scores_a_wide_row_on_its_first_k_files(tmp_path: Path) -> None:
    # docs/formats.md, "Strict and lenient scoring": a row with more cells than the header
    gt_path, systems = make_challenge(tmp_path, n_files=20, seed=4)
    medium = next(p for p in systems if p.name.startswith("medium"))
    lines = medium.read_text("utf-8").splitlines()
    lines[2] += ",extra.wav"
    wide = tmp_path / "wide.csv"
    wide.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = cli("score", wide, "--gt", gt_path, "--format", "json")
    assert code == 1 and "C204" in out, out + err
    scores = []
    for path, extra in ((medium, ()), (wide, ("--lenient",))):
        code, out, err = cli("score", path, "--gt", gt_path, "--format", "json", *extra)
        assert code == 0, out + err
        scores.append(json.loads(out)["metrics"])
    assert scores[0] == scores[1]
    assert "scored on its first k files" in " ".join(
        (ROOT / "docs" / "formats.md").read_text("utf-8").split())


def test_score_given_a_team_zip_says_it_is_an_archive(tmp_path: Path) -> None:
    # a new user's first try: `score Team.zip`; F103's hint says what the file is
    gt_path, systems = make_challenge(tmp_path, n_files=20, seed=5)
    archive = tmp_path / "Doe_UniX_task6b.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(systems[0], "task6b/Doe_UniX_task6b_1/Doe_UniX_task6b_1.output.csv")
    code, out, err = cli("score", archive, "--gt", gt_path, "--format", "json")
    assert code == 1, out + err
    (f103,) = [f for f in json.loads(out)["findings"] if f["code"] == "F103"]
    assert f103["hint"].startswith("The file is a zip archive: extract it"), f103
    assert "validate and rank" in f103["hint"]


def test_only_gt_queries_on_a_clotho_subset_with_the_whole_audio_set(tmp_path: Path) -> None:
    # docs/formats.md: a subset of a Clotho captions file, scored with --only-gt-queries, needs
    # the whole audio set; with it, the other rows are ignored with one Q304 warning
    gt_path, systems = make_challenge(tmp_path, n_files=40, seed=6)
    lines = gt_path.read_text("utf-8").splitlines()
    subset = tmp_path / "subset.csv"
    subset.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")  # 10 clips, 50 captions
    audio = tmp_path / "audio.txt"
    audio.write_text("\n".join(load_ground_truth(gt_path).audio) + "\n", "utf-8")
    code, out, err = cli("score", systems[0], "--gt", subset, "--only-gt-queries",
                         "--audio-list", audio, "--format", "json")
    assert code == 0, (out + err)[:2000]
    doc = json.loads(out)
    assert doc["n_queries"] == 50 and doc["policy"]["outside_rows_ignored"] == 150
    assert "--audio-list" in " ".join((ROOT / "docs" / "formats.md").read_text("utf-8").split())
