"""The Markdown pages of a Codabench competition: the task, the submission format, the metrics
and the terms. Written from the edition preset, so the pages say what the scorer does."""

from __future__ import annotations

from dataclasses import dataclass

from ..editions import Edition
from ..formats.submission_header import FILE_COLUMN_PREFIXES
from ..measure.jackknife import CI_NOTE


@dataclass(frozen=True)
class PageFacts:
    """What the pages state about one competition."""

    title: str
    edition: Edition
    n_queries: int
    n_files: int
    multi_relevant: bool
    example_name: str


def column_prefixes() -> tuple[str, ...]:
    """The spellings of the ranked-file columns the reader accepts (`file_name_N`, `fname_N`),
    taken from the reader, so the page never promises more than the scorer."""
    return FILE_COLUMN_PREFIXES


def overview(f: PageFacts) -> str:
    relevant = ("one or more audio files are relevant to each caption" if f.multi_relevant
                else "each caption was written for one audio file, the relevant one")
    return f"""# {f.title}

Language-based audio retrieval: given a caption (a sentence describing a sound), rank the audio
files of the evaluation set by how well they match it. Here {relevant}.

This competition scores {f.n_queries} captions against {f.n_files} audio files with the official
DCASE scorer, `dcase-eval` (edition {f.edition.name}). Every submission is checked before it is
scored: an invalid file is rejected with every defect listed in its detailed results, and a
rejected submission does not count against your submission limit.

- **Development phase**: try the submission pipeline; the scores use the same reference data as
  the final phase, so do not tune on them.
- **Final phase**: submit your systems (at most four, as in the DCASE rules).

See *Submission format* for the file to upload and *Evaluation* for the metrics.
"""


def submission(f: PageFacts) -> str:
    depth = f.edition.depth
    if f.edition.submission_format == "matrix":
        body = """The submission is a score matrix CSV: the header is `index` followed by the
audio file names; each row holds a caption in the `index` column and one similarity score per
audio file (higher is better). Files are ranked by score, descending; ties are broken by file
name in ascending Unicode code-point order. Scores must be finite numbers.

```
index,file_a.wav,file_b.wav,...
a dog barks in the distance,0.12,0.87,...
```"""
    else:
        cols = ",".join(f"file_name_{i}" for i in (1, 2, 3))
        spellings = " or ".join(f"`{p}_1`...`{p}_{depth}`" for p in column_prefixes())
        both = "these spellings are" if len(column_prefixes()) > 1 else "this spelling is"
        body = f"""The submission is a top-{depth} CSV: one row per caption, the caption first,
then the {depth} best-matching audio file names, best first.

```
caption,{cols},...,file_name_{depth}
a dog barks in the distance,dog_barking.wav,street.wav,park.wav,...
```

The ranked-file columns are named {spellings}; {both} accepted."""
    return f"""# Submission format

{body}

Rules checked before scoring: every caption of the evaluation set has exactly one row, written
exactly as given; every ranked file is a file of the evaluation set (with its extension); no file
is ranked twice for one caption; each ranking holds {depth} files. The file is UTF-8 CSV with a
comma delimiter.

## What to upload

A zip file holding **one** CSV at its top level, for example `{f.example_name}` (a
`<label>.output.csv` name as in the DCASE package format; other CSV names work when the zip holds
only one). A meta-information YAML beside it is ignored here. Do not put a zip inside the zip.

The starting kit holds a valid example submission (random rankings: it shows the format, not a
method). Check your file before uploading:

```
pip install .        # in a checkout of dcase-retrieval-eval, the scorer's toolkit
dcase-eval validate {f.example_name} --queries captions.csv --audio-dir evaluation_audio/
```
"""


def evaluation(f: PageFacts) -> str:
    main, *others = f.edition.metric_names
    ap = ("the sum of the precisions at the ranks of the relevant files found in the top k"
          if f.edition.ap_normalization == "none" else
          "the sum of the precisions at the ranks of the relevant files found in the top k, "
          "divided by R, the number of relevant files of the caption")
    if f.edition.ndcg_ks:
        sorted_by = ("the mean over captions of the normalized discounted cumulative gain in "
                     "the top k: for one caption, nDCG@k is the sum of the grades of the files "
                     "ranked in the top k, each divided by log2(rank + 1), over the same sum for "
                     f"the best possible ranking. For mAP@k, AP@k is {ap}")
    else:
        sorted_by = ("the mean over captions of the average precision in the\ntop k: for one "
                     f"caption, AP@k is {ap}")
    also = ", ".join(others)
    return f"""# Evaluation

The leaderboard is sorted by **{main}**, {sorted_by}. Also reported: {also}. R@k is the share of a
caption's relevant files found in its top k, averaged over captions.

Each metric comes with its **95% confidence interval** (columns `CI low` and `CI high`): the
jackknife normal-approximation interval over captions, as in the DCASE results tables. Two
systems whose intervals overlap widely are not reliably different. {CI_NOTE}

Edition {f.edition.name}: {f.edition.description}

Your detailed results show every value with its interval and every finding of the check.
"""


def terms(f: PageFacts) -> str:
    return f"""# Terms

By submitting to {f.title} you agree that your submissions, your team name and their scores may be
published by the organizers in the challenge results and in publications about the challenge.
Submissions must be produced by an automatic system; manual annotation of the evaluation data is
not allowed. The organizers may disqualify submissions that break the DCASE challenge rules.
"""
