"""A development/final split of the queries, so that the development leaderboard is scored on
other captions than the final one and cannot be tuned to the final queries.

The split is by clip: captions that share a relevant clip (Clotho's five per clip, or any
queries linked through a shared relevant file) stay on one side, so the development phase
never reveals a final caption's answer. Groups are shuffled with a fixed seed and taken until
the development side holds at least the requested fraction of the captions.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from ..formats.ground_truth import GroundTruth

DEFAULT_SPLIT_SEED = 2022


def _groups(gt: GroundTruth) -> list[list[int]]:
    """Query indices linked by a shared relevant clip (union-find over queries and clips);
    a query without a relevant clip is a group of its own."""
    n_q = gt.n_queries
    parent = list(range(n_q + len(gt.audio)))  # queries, then clips

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    indptr, indices = gt.rel_indptr, gt.rel_indices
    for q in range(n_q):
        for a in indices[indptr[q]:indptr[q + 1]].tolist():
            ra, rb = find(q), find(n_q + int(a))
            if ra != rb:
                parent[ra] = rb
    groups: dict[int, list[int]] = {}
    for q in range(n_q):
        groups.setdefault(find(q), []).append(q)
    return list(groups.values())


def split_queries(gt: GroundTruth, fraction: float, seed: int = DEFAULT_SPLIT_SEED,
                  ) -> tuple[list[int], list[int]]:
    """(development, final) query indices, each in the ground truth's order; both non-empty
    or `ValueError` saying why (too few groups of clips for two sides)."""
    if not 0 < fraction < 1:
        raise ValueError("the development fraction must lie strictly between 0 and 1")
    groups = _groups(gt)
    if len(groups) < 2:
        raise ValueError("every caption shares a relevant clip with the others: they cannot "
                         "be split by clip")
    order = np.random.default_rng(seed).permutation(len(groups))
    want = fraction * gt.n_queries
    dev: list[int] = []
    for g in order.tolist():
        if len(dev) >= want:
            break
        dev.extend(groups[g])
    chosen = set(dev)
    final = [q for q in range(gt.n_queries) if q not in chosen]
    if len(dev) < 2 or len(final) < 2:
        raise ValueError(f"a development fraction of {fraction} leaves {len(dev)} and "
                         f"{len(final)} captions on the two sides; each needs at least 2")
    return sorted(dev), final


def subset_csv(gt: GroundTruth, queries: list[int]) -> str:
    """The ground truth of some queries as one row per judged pair (`query,file_name`, with
    `relevance` for a graded one): the audio set goes beside it, in `audio_set.txt`."""
    indptr, indices, grades = gt.judgements()
    graded = gt.grades is not None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["query", "file_name", *(["relevance"] if graded else [])])
    for q in queries:
        for j in range(int(indptr[q]), int(indptr[q + 1])):
            row = [gt.queries[q], gt.audio[int(indices[j])]]
            writer.writerow([*row, repr(float(grades[j]))] if graded else row)
    return out.getvalue()
