"""What the pages tell a new user to type works as typed: the commands and examples of the
README, the organizer's guide and the messages that quote an example, run on generated data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dcase_retrieval_eval.cli.demo import make_challenge
from dcase_retrieval_eval.hosting.bundle import NO_IMAGE, check_docker_image

from .conftest import ROOT, cli

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
