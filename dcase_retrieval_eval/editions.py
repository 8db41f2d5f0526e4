"""Per-edition presets: what each year's official scoring computes, stated explicitly."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

APNormalization = Literal["none", "relevant"]
RelevanceRule = Literal["last", "all"]
#: The metric families, spelled as in the reports: `nDCG@10`, `mAP@16`, `R@1`.
MetricKind = Literal["nDCG", "mAP", "R"]


class Edition(BaseModel):
    """A scoring preset.

    `ap_normalization`: "none" sums the precisions at the hits (the 2022 script; equal to dividing
    by R when each query has one relevant file), "relevant" divides by R, the number of relevant
    files of the query (not min(R, k)), as the 2025 baseline does.

    `relevance`: "all" counts every relevant file of a query; "last" counts only the last file
    the ground truth lists for it. The 2022 script reads the captions file into a caption -> file
    dictionary, so a caption written for two files (G601) is one query whose one relevant file is
    the later row's; its AP is 1/rank of that file and never above 1.

    `ndcg_ks`: nDCG cut-offs (graded relevance); when given, the first is the main metric.

    `task`: the DCASE task of the year (`task6b`, `task8`, `task6`): the name of the package's
    task folder and the task in a system label. None when the preset is no DCASE year (graded).
    """

    model_config = ConfigDict(frozen=True)
    name: str
    map_ks: tuple[int, ...]
    recall_ks: tuple[int, ...] = (1, 5, 10)
    ndcg_ks: tuple[int, ...] = ()
    ap_normalization: APNormalization
    relevance: RelevanceRule = "all"
    submission_format: Literal["topk", "matrix"]
    description: str
    task: str | None = None

    @property
    def main_metric(self) -> str:
        return self.metric_names[0]

    @property
    def main_k(self) -> int:
        """The cut-off of the main metric (`k` in the JSON report)."""
        return (self.ndcg_ks or self.map_ks)[0]

    @property
    def metrics(self) -> list[tuple[str, MetricKind, int]]:
        """Every metric the preset reports as (name, family, cut-off), the main one first.

        The one place a metric is named: the scorer, the reports, the Codabench keys and
        leaderboard, and the competition pages all take their list from here."""
        kinds: tuple[tuple[MetricKind, tuple[int, ...]], ...] = (
            ("nDCG", self.ndcg_ks), ("mAP", self.map_ks), ("R", self.recall_ks))
        return [(f"{kind}@{k}", kind, k) for kind, ks in kinds for k in ks]

    @property
    def metric_names(self) -> list[str]:
        """Every metric the preset reports, the main one first."""
        return [name for name, _, _ in self.metrics]

    @property
    def depth(self) -> int:
        """How many ranked files a submission must give per query."""
        return max((*self.map_ks, *self.recall_ks, *self.ndcg_ks))

    def with_k(self, k: int) -> Edition:
        """The same preset with the main cut-off replaced by `k` (the `--k` option)."""
        if k < 1:
            raise ValueError("k must be at least 1")
        key = "ndcg_ks" if self.ndcg_ks else "map_ks"
        return self.model_copy(update={key: (k,), "name": f"{self.name} (k={k})"})


_TOPK = (
    "Top-10 CSV, one relevant file per query, ranked by mAP@10; AP sums the precisions at the "
    "hits (the 2022 script), R@1/5/10 secondary. A caption written for several files is one "
    "query whose relevant file is the last one listed (the 2022 script's caption -> file "
    "dictionary)."
)
EDITIONS: dict[str, Edition] = {
    "2022": Edition(name="2022", map_ks=(10,), ap_normalization="none", relevance="last",
                    submission_format="topk", description=_TOPK, task="task6b"),
    "2023": Edition(name="2023", map_ks=(10,), ap_normalization="none", relevance="last",
                    submission_format="topk", description=_TOPK, task="task6b"),
    "2024": Edition(name="2024", map_ks=(10,), ap_normalization="none", relevance="last",
                    submission_format="topk", description=_TOPK, task="task8"),
    "2025": Edition(
        name="2025",
        map_ks=(16, 10),
        ap_normalization="relevant",
        submission_format="matrix",
        description="Score matrix, several relevant files per query; ranked by mAP@16, mAP@10 "
        "also reported; AP divided by R (the number of relevant files, not min(R, k)); "
        "R@k = hits in the top k / R.",
        task="task6",
    ),
    "graded": Edition(
        name="graded",
        ndcg_ks=(10,),
        map_ks=(10,),
        ap_normalization="relevant",
        submission_format="matrix",
        description="Graded relevance (query,file_name,relevance); ranked by nDCG@10 as "
        "trec_eval's ndcg_cut_10 (gain = the grade, discount 1/log2(rank+1), ideal DCG from all "
        "judged grades of the query); mAP@10 and R@1/5/10 count a file relevant when its grade "
        "is at least the relevance threshold (default 1), AP divided by R.",
    ),
}


#: The DCASE task of every edition that is a DCASE year: the label tasks a package may use.
RETRIEVAL_TASKS = frozenset(e.task for e in EDITIONS.values() if e.task is not None)


def task_years(folder_suffix: str = "") -> str:
    """Which year uses which task, for hints: `2022 and 2023: task6b; 2024: task8; 2025: task6`
    (`folder_suffix="/"` writes the task folders)."""
    years: dict[str, list[str]] = {}
    for edition in EDITIONS.values():
        if edition.task is not None:
            years.setdefault(edition.task, []).append(edition.name)
    return "; ".join(f"{' and '.join(names)}: {task}{folder_suffix}"
                     for task, names in years.items())


def check_k(k: object) -> None:
    """The cut-off given to the API: a whole number from 1, never a bool or a float (`k=True`
    would be read as 1 and labelled "mAP@True", `k=2.5` fail deep inside the metrics)."""
    if k is None:
        return
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"k must be a whole number (int) or None, not {type(k).__name__} {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")


def get_edition(name: str, k: int | None = None) -> Edition:
    check_k(k)
    if not isinstance(name, str):  # "unknown edition 2022; choose from 2022, ..." misleads
        raise TypeError(f"edition is a name (str) such as '2022' or an Edition, not "
                        f"{type(name).__name__} {name!r}")
    try:
        edition = EDITIONS[name]
    except KeyError:
        raise ValueError(f"unknown edition {name!r}; choose from {', '.join(EDITIONS)}") from None
    return edition.with_k(k) if k is not None else edition


def resolve_edition(edition: str | Edition, gt: object, k: int | None = None) -> Edition:
    """`auto` picks 2025 for the 2025 correspondence format and for a long-format ground truth
    with several relevant files per query, `graded` for graded relevance, 2023 for the 2023
    captions file; else 2022. A Clotho captions file stays 2022 even when
    a caption is shared by two files (G601): that is a quirk of the data, not another edition.

    `gt` is a `QuerySet` or `GroundTruth`; it is read by its attributes (`format`, `n_relevant`)
    so that this shared vocabulary needs nothing from `formats/`.
    """
    check_k(k)
    if isinstance(edition, Edition):
        return edition.with_k(k) if k is not None else edition
    if edition == "auto":
        fmt = getattr(gt, "format", None)
        n_relevant = getattr(gt, "n_relevant", None)
        multi = fmt == "correspondence" or (
            fmt == "long" and n_relevant is not None and bool((n_relevant > 1).any()))
        by_format = {"graded": "graded", "captions2023": "2023"}
        edition = by_format.get(str(fmt), "2025" if multi else "2022")
    return get_edition(edition, k)
