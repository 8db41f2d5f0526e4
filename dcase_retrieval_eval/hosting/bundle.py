"""`dcase-eval codabench bundle`: a ground truth in, a Codabench v2 competition bundle out.

The zip is what an organizer uploads as is (schema: Codabench's V2 unpacker and its docs):
`competition.yaml` at the root, the pages, a logo, `scoring_program/metadata.yaml` whose command
runs this package's scorer inside the competition's docker image, `reference_data/` (the ground
truth), a starting kit with a valid example submission, and that example as a solution. The
leaderboard columns are `score_keys(edition)`, the very list the scorer writes.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import yaml

from ..editions import Edition, resolve_edition
from ..errors import InputError
from ..findings import unshowable_characters
from ..formats.ground_truth import GroundTruth, QuerySet
from ..formats.prepare import prepare_ground_truth
from ..io.atomic import atomic_path
from . import bundle_pages
from .codabench import AUDIO_SET, score_keys
from .dev_split import DEFAULT_SPLIT_SEED, split_queries, subset_csv
from .logo import logo_png

#: Codabench's model limits (characters), checked at bundle time: the server would refuse the
#: upload, or store a truncated value, past them (competitions.Competition.docker_image and
#: .title, leaderboards.Leaderboard.title and .key, leaderboards.Column.title and .key,
#: competitions.Phase.name, tasks.Task.name, competitions.Page.title)
MAX_IMAGE = 128
MAX_COLUMN_TEXT = 36
MAX_LEADERBOARD_TITLE = 64
MAX_TITLE = 256
MAX_NAME = 256
MAX_PAGE_TITLE = 255
EXAMPLE_NAME = "example.output.csv"
#: The starting kit's query list: the captions alone, never a file name or a relevance
QUERIES_NAME = "captions.csv"
#: The suffix of the development phase's own folders (reference data, starting kit, solution)
DEV = "_dev"
#: Independent of the ground truth's relevance: the example must not reveal it.
EXAMPLE_SEED = 2022
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# a Docker image reference: [registry[:port]/]name[/name...][:tag][@digest]
_IMAGE = re.compile(
    r"^(?:(?:localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?::\d+)?/|[A-Za-z0-9-]+:\d+/)?"
    r"[a-z0-9]+(?:[._-]+[a-z0-9]+)*"
    r"(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
    r"(?:@sha256:[0-9a-f]{64})?$")


class BundleOptionError(ValueError):
    """An option of the bundle cannot be used (the CLI reports it as a usage error)."""


#: What the bundle's command says when no image is given: the worker pulls the image before
#: every run, so a bundle without a pullable image fails every submission.
NO_IMAGE = ("--docker-image is required: Codabench's compute worker pulls the competition's "
            "image before every submission, so a local tag fails them all ('Pull ... "
            "failed'). Build docker/Dockerfile, push it to a registry the workers can reach, "
            "and give that name, e.g. --docker-image docker.io/yourname/dcase-retrieval-eval:0.1.0")


def _lower_repository(image: str) -> str:
    """`image` with its repository path in lower case, the registry and the tag kept: tells a
    reference refused only for its capitals (`docker.io/Me/x:0.1`) from a malformed one."""
    name, _, digest = image.partition("@")
    parts = name.split("/")
    first = 1 if len(parts) > 1 and ("." in parts[0] or ":" in parts[0]
                                     or parts[0] == "localhost") else 0
    last, colon, tag = parts[-1].partition(":")
    path = [*parts[first:-1], last]
    lowered = "/".join([*parts[:first], *(p.lower() for p in path)]) + colon + tag
    return lowered + ("@" + digest if digest else "")


def check_docker_image(image: str | None) -> str:
    """An image reference a registry can serve to the workers, or `BundleOptionError` saying
    why not: a Docker reference, at most `MAX_IMAGE` characters (Codabench's field), and
    with a namespace or a registry (a bare `name:tag` is an official Docker Hub image, which
    never holds this package)."""
    if image is None:
        raise BundleOptionError(NO_IMAGE)
    if not _IMAGE.match(image):
        why = ""
        if _IMAGE.match(_lower_repository(image)):
            why = ": Docker repository names are lower case (the registry and the tag may not be)"
        raise BundleOptionError(f"--docker-image {image!r} is not a Docker image reference"
                                f"{why} (e.g. docker.io/yourname/dcase-retrieval-eval:0.1.0)")
    if len(image) > MAX_IMAGE:
        raise BundleOptionError(f"--docker-image is {len(image)} characters long; Codabench "
                                f"stores at most {MAX_IMAGE}: push the image under a shorter "
                                "name")
    if "/" not in image:
        raise BundleOptionError(
            f"--docker-image {image!r} has no registry or namespace: a worker would pull "
            f"docker.io/library/{image}, an official image that does not hold this scorer. "
            "Push the image you built under your own name (docker.io/yourname/...) and give that")
    return image


def check_limits(doc: dict[str, object]) -> None:
    """Every text of competition.yaml within Codabench's model limits (`BundleOptionError`)."""
    def within(what: str, text: object, limit: int) -> None:
        if len(str(text)) > limit:
            raise BundleOptionError(f"{what} {str(text)[:60]!r}... is {len(str(text))} "
                                    f"characters long; Codabench stores at most {limit}")

    within("the competition title", doc["title"], MAX_TITLE)
    within("the docker image", doc["docker_image"], MAX_IMAGE)
    for key, field, limit in (("phases", "name", MAX_NAME), ("tasks", "name", MAX_NAME),
                              ("pages", "title", MAX_PAGE_TITLE)):
        for item in doc[key]:  # type: ignore[attr-defined]
            within(f"a {key[:-1]} {field}", item[field], limit)
    for board in doc["leaderboards"]:  # type: ignore[attr-defined]
        within("the leaderboard title", board["title"], MAX_LEADERBOARD_TITLE)
        within("the leaderboard key", board["key"], MAX_COLUMN_TEXT)
        for column in board["columns"]:
            within("a leaderboard column title", column["title"], MAX_COLUMN_TEXT)
            within("a leaderboard column key", column["key"], MAX_COLUMN_TEXT)


@dataclass(frozen=True)
class BundleSummary:
    path: Path
    edition: str
    columns: list[str]
    n_queries: int
    n_files: int
    docker_image: str
    #: False when the audio set is only the relevant files a ground truth names (2025 form)
    complete_audio: bool = True
    #: captions of the development phase's own reference data (0: it shares the final's)
    n_dev_queries: int = 0


def _column_title(key_name: str, side: str | None) -> str:
    return key_name if side is None else f"{key_name} CI {side}"


def leaderboard_columns(edition: Edition) -> list[dict[str, object]]:
    """Columns in scorer order: metrics (main first, sorted descending), then CI bounds."""
    keys = score_keys(edition)
    names = edition.metric_names
    titles = [*names, *(_column_title(n, side) for n in names for side in ("low", "high"))]
    return [{"title": t, "key": k, "index": i, "sorting": "desc", "precision": 4}
            for i, (t, k) in enumerate(zip(titles, keys, strict=True))]


def _stamp(day: date, end: bool = False) -> str:
    moment = datetime.combine(day, time(23, 59, 59) if end else time(0, 0, 0))
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def competition_yaml(*, title: str, edition: Edition, docker_image: str, start: date,
                     final_start: date, final_days: int = 14,
                     dev_queries: bool = False) -> dict[str, object]:
    """The competition.yaml document (Codabench v2). `dev_queries`: the development phase has
    its own task, reference data, starting kit and solution (`DEV` folders), on captions
    that are not the final phase's."""
    task = (f"Rank the evaluation audio files for each caption; scored with dcase-eval, "
            f"edition {edition.name}, main metric {edition.main_metric}.")
    tasks: list[dict[str, object]] = [{
        "index": 0,
        "name": "Language-based audio retrieval",
        "description": task,
        "scoring_program": "scoring_program/",
        "reference_data": "reference_data/",
    }]
    solutions: list[dict[str, object]] = [{"index": 0, "path": "solution/", "tasks": [0]}]
    dev_task, dev_kit = 0, "starting_kit/"
    dev_text = ("Check your submission pipeline; same reference data as the final phase, so "
                "do not tune on these scores.")
    if dev_queries:
        dev_task, dev_kit = 1, f"starting_kit{DEV}/"
        tasks.append({"index": 1, "name": "Language-based audio retrieval, development "
                      "captions", "description": task + " Development captions only.",
                      "scoring_program": "scoring_program/",
                      "reference_data": f"reference_data{DEV}/"})
        solutions.append({"index": 1, "path": f"solution{DEV}/", "tasks": [1]})
        dev_text = ("Scored on development captions (the starting kit's captions.csv), none "
                    "of which is a final caption: these scores say nothing about the final "
                    "queries' answers.")
    return {
        "version": 2,
        "title": title,
        "description": (f"DCASE language-based audio retrieval, scored with the official "
                        f"dcase-eval scorer (edition {edition.name}, {edition.main_metric})."),
        "image": "logo.png",
        "terms": "pages/terms.md",
        "docker_image": docker_image,
        "registration_auto_approve": False,
        "enable_detailed_results": True,
        "show_detailed_results_in_submission_panel": True,
        "show_detailed_results_in_leaderboard": False,
        "make_programs_available": True,
        "make_input_data_available": False,
        "pages": [
            {"title": "Overview", "file": "pages/overview.md"},
            {"title": "Submission format", "file": "pages/submission.md"},
            {"title": "Evaluation", "file": "pages/evaluation.md"},
            {"title": "Terms", "file": "pages/terms.md"},
        ],
        "tasks": tasks,
        "solutions": solutions,
        "phases": [
            {"index": 0, "name": "Development", "description": dev_text,
             "start": _stamp(start), "end": _stamp(final_start - timedelta(days=1), end=True),
             "max_submissions_per_day": 5, "max_submissions": 100,
             "execution_time_limit": 600, "starting_kit": dev_kit, "tasks": [dev_task]},
            {"index": 1, "name": "Final",
             "description": "Submit your systems: at most four (the DCASE rule); rejected "
                            "submissions do not count.",
             "start": _stamp(final_start),
             "end": _stamp(final_start + timedelta(days=final_days - 1), end=True),
             "max_submissions_per_day": 4, "max_submissions": 4,
             "execution_time_limit": 600, "starting_kit": "starting_kit/", "tasks": [0]},
        ],
        "leaderboards": [{
            "index": 0, "title": "Results", "key": "main", "primary_index": 0,
            "submission_rule": "Add_And_Delete_Multiple",
            "columns": leaderboard_columns(edition),
        }],
    }


def public_queries(gt: QuerySet) -> list[str]:
    """The captions in code-point order: the ground truth's own order groups the captions of
    one clip (Clotho's five per row), which would tell which captions share a relevant file."""
    return sorted(gt.queries)


def query_list(gt: QuerySet) -> str:
    """The starting kit's `captions.csv`: a `caption` column, what `validate --queries` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["caption"])
    writer.writerows([q] for q in public_queries(gt))
    return out.getvalue()


def example_submission(gt: QuerySet, edition: Edition) -> str:
    """A valid submission of random rankings, drawn from the captions and the audio set only."""
    rng = np.random.default_rng(EXAMPLE_SEED)
    audio = sorted(gt.audio)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if edition.submission_format == "matrix":
        writer.writerow(["index", *audio])
        for query in public_queries(gt):
            writer.writerow([query, *(f"{s:.6f}" for s in rng.random(len(audio)))])
        return out.getvalue()
    depth = edition.depth
    writer.writerow(["caption", *(f"file_name_{i}" for i in range(1, depth + 1))])
    for query in public_queries(gt):
        pick = rng.choice(len(audio), size=depth, replace=False)
        writer.writerow([query, *(audio[i] for i in pick)])
    return out.getvalue()


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, _ZIP_TIME), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _reference_name(gt_path: Path) -> str:
    """The ground truth's own name when it is plain (never the audio-set file's name)."""
    name = gt_path.name
    ok = re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.csv", name, flags=re.IGNORECASE)
    return name if ok and not name.lower().endswith(".output.csv") else "ground_truth.csv"


def _starting_kit_readme(edition: Edition) -> str:
    return f"""# Starting kit

- `{EXAMPLE_NAME}`: a valid submission with random rankings (edition {edition.name}); it shows
  the format and scores at chance level.
- `example_submission.zip`: the same file zipped, ready to upload.
- `{QUERIES_NAME}`: the queries, one caption per row (column `caption`), in code-point order;
  every one needs a row in your submission. It holds no file name and no relevance.

Make your own: write your system's output in the same format, check it with
`dcase-eval validate YOUR.output.csv --queries {QUERIES_NAME} --audio-dir evaluation_audio/`
(`evaluation_audio/`: the evaluation audio files of the dataset), then zip the CSV alone
(`zip submission.zip YOUR.output.csv`) and upload the zip.
"""


def _scoring_metadata(edition: Edition) -> str:
    return ("# Run by the Codabench compute worker inside the competition's docker image, which\n"
            "# has dcase-retrieval-eval installed (see docker/Dockerfile in its repository).\n"
            f"command: dcase-eval score --codabench /app/input /app/output "
            f"--edition {edition.name}\n")


def _check_hostable(gt: GroundTruth, ed: Edition, gt_path: Path) -> None:
    """Refuse a ground truth too small for a competition: fewer files than a ranking holds, or
    fewer than the two captions a confidence interval needs."""
    if ed.submission_format == "topk" and len(gt.audio) < ed.depth:
        raise InputError(f"{gt_path} lists {len(gt.audio)} audio files; a ranking needs "
                         f"{ed.depth}: this ground truth cannot host a competition")
    if gt.n_queries < 2:
        raise InputError(f"{gt_path} holds {gt.n_queries} caption(s); a confidence interval "
                         "needs at least 2")


def _title_and_dates(title: str | None, ed: Edition, start: date | None,
                     final_start: date | None) -> tuple[str, date, date]:
    """The title (the edition's by default; one line within Codabench's limit) and the two
    phases' start dates (today and eight weeks later by default, in that order)."""
    title = (title if title is not None else
             f"DCASE {ed.name} language-based audio retrieval").strip()
    if not title or len(title) > MAX_TITLE or "\n" in title:
        raise BundleOptionError(f"--title must be one line of 1 to {MAX_TITLE} characters")
    hidden = unshowable_characters(title)
    if hidden:  # the pages hold the title as given: a terminal escape would reach them raw
        raise BundleOptionError(f"--title holds control or invisible characters "
                                f"({', '.join(hidden)}); give the title as plain text")
    start = start or datetime.utcnow().date()
    final_start = final_start or start + timedelta(weeks=8)
    if final_start <= start:
        raise BundleOptionError("--final-start must come after --start (the phases are sequential)")
    return title, start, final_start


def _split_phases(gt: GroundTruth, dev_fraction: float, dev_seed: int,
                  ) -> tuple[QuerySet, QuerySet, dict[str, bytes]]:
    """The development and final query sets split by clip (`dev_split.split_queries`), and
    their reference data: each subset's ground truth, with the audio set beside when known."""
    try:
        dev_q, final_q = split_queries(gt, dev_fraction, dev_seed)
    except ValueError as exc:
        raise BundleOptionError(f"--dev-fraction: {exc}") from None
    final = QuerySet(queries=[gt.queries[q] for q in final_q], audio=gt.audio)
    dev = QuerySet(queries=[gt.queries[q] for q in dev_q], audio=gt.audio)
    members = {f"reference_data{DEV}/dev_ground_truth.csv": subset_csv(gt, dev_q).encode(),
               "reference_data/final_ground_truth.csv": subset_csv(gt, final_q).encode()}
    if gt.audio_set_known:  # the subsets name only their relevant clips: the set beside
        listed = "".join(f"{a}\n" for a in gt.audio).encode()
        members |= {f"reference_data{DEV}/{AUDIO_SET}": listed,
                    f"reference_data/{AUDIO_SET}": listed}
    return dev, final, members


def _kit(suffix: str, ed: Edition, qs: QuerySet) -> dict[str, bytes]:
    """One phase's starting kit (README, query list, example submission, zipped and not) and
    its solution, in the folders named with `suffix` (`DEV` for the development phase)."""
    example = example_submission(qs, ed).encode("utf-8")
    return {
        f"starting_kit{suffix}/README.md": _starting_kit_readme(ed).encode("utf-8"),
        f"starting_kit{suffix}/{QUERIES_NAME}": query_list(qs).encode("utf-8"),
        f"starting_kit{suffix}/{EXAMPLE_NAME}": example,
        f"starting_kit{suffix}/example_submission.zip": _zip_bytes({EXAMPLE_NAME: example}),
        f"solution{suffix}/{EXAMPLE_NAME}": example,
    }


def build_bundle(gt_path: str | Path, out: str | Path, *, title: str | None = None,
                 edition: str = "auto", docker_image: str | None = None,
                 start: date | None = None, final_start: date | None = None,
                 audio_set: list[str] | None = None, dev_fraction: float | None = None,
                 dev_gt: str | Path | None = None,
                 dev_seed: int = DEFAULT_SPLIT_SEED) -> BundleSummary:
    """Write the competition bundle `out` (a zip, atomically) for the ground truth `gt_path`.

    `audio_set`: every file of the evaluation set, when the ground truth names fewer (a
    multi-relevant ground truth lists only the files relevant to some caption); it goes into the
    reference data, so the scorer accepts rankings of any evaluation file.
    `dev_fraction`: that share of the captions, split by clip with `dev_seed`
    (`dev_split.split_queries`), scores the development phase and the rest the final one;
    `dev_gt`: the development phase's own ground truth instead. Without either, both phases
    share the reference data.
    """
    if dev_fraction is not None and dev_gt is not None:
        raise BundleOptionError("give either --dev-fraction or --dev-gt, not both")
    gt_path, out = Path(gt_path), Path(out)
    gt = prepare_ground_truth(gt_path, audio_set=audio_set)
    bad = [a for a in audio_set or () if "\n" in a or "\r" in a or not a.strip()]
    if bad:
        raise BundleOptionError(f"the audio set holds a name that cannot be listed one per "
                                f"line: {bad[0]!r}")
    ed = resolve_edition(edition, gt)
    _check_hostable(gt, ed, gt_path)
    image = check_docker_image(docker_image)
    title, start, final_start = _title_and_dates(title, ed, start, final_start)
    facts = bundle_pages.PageFacts(
        title=title, edition=ed, n_queries=gt.n_queries, n_files=len(gt.audio),
        multi_relevant=bool((gt.n_relevant > 1).any()), example_name=EXAMPLE_NAME)
    split = dev_fraction is not None or dev_gt is not None
    doc = competition_yaml(title=title, edition=ed, docker_image=image, start=start,
                           final_start=final_start, dev_queries=split)
    check_limits(doc)
    members: dict[str, bytes] = {}
    final: QuerySet = gt
    if dev_fraction is not None:
        dev, final, members = _split_phases(gt, dev_fraction, dev_seed)
    elif dev_gt is not None:
        dev_path = Path(dev_gt)
        dev = prepare_ground_truth(dev_path)
        if ed.submission_format == "topk" and len(dev.audio) < ed.depth:
            raise InputError(f"{dev_path} lists {len(dev.audio)} audio files; a ranking needs "
                             f"{ed.depth}")
        members[f"reference_data{DEV}/{_reference_name(dev_path)}"] = dev_path.read_bytes()
    if split:
        members |= _kit(DEV, ed, dev)
    members |= {
        "competition.yaml": yaml.safe_dump(doc, sort_keys=False, allow_unicode=True,
                                           width=100).encode("utf-8"),
        "logo.png": logo_png(),
        "pages/overview.md": bundle_pages.overview(facts).encode("utf-8"),
        "pages/submission.md": bundle_pages.submission(facts).encode("utf-8"),
        "pages/evaluation.md": bundle_pages.evaluation(facts).encode("utf-8"),
        "pages/terms.md": bundle_pages.terms(facts).encode("utf-8"),
        "scoring_program/metadata.yaml": _scoring_metadata(ed).encode("utf-8"),
    }
    members |= _kit("", ed, final)
    if dev_fraction is None:
        members[f"reference_data/{_reference_name(gt_path)}"] = gt_path.read_bytes()
    if audio_set is not None:
        members[f"reference_data/{AUDIO_SET}"] = "".join(f"{a}\n" for a in gt.audio).encode()
    with atomic_path(out) as tmp:
        tmp.write_bytes(_zip_bytes(members))
    return BundleSummary(path=out, edition=ed.name, columns=score_keys(ed),
                         n_queries=final.n_queries, n_dev_queries=dev.n_queries if split else 0,
                         n_files=len(gt.audio), docker_image=image,
                         complete_audio=gt.audio_set_known)
