"""dcase-retrieval-eval: validate, score and rank DCASE language-based audio retrieval submissions.

Public API: `load_ground_truth`, `load_query_set`, `load_submission`, `validate`, `score`, `rank`,
`write_results` (a leaderboard's results folder), `validate_package` and `load_meta` (a DCASE
team package and its meta-information, `SystemMeta`), `write_trec` and `load_trec_run` (TREC run
and qrels files for trec_eval, ranx and ir_measures). `load_submission`, `validate` and `score`
read CSV, NumPy (`.npz`/`.npy`) score matrices and TREC runs alike. `evaluate_convention` scores
a similarity matrix in memory as another codebase does; `evaluate` and `evaluate_embeddings`
give the official metrics (the same `ScoreReport` as `score`) of a similarity matrix or of
embeddings in memory; `EmbeddingMetric` accumulates a validation loop's embeddings batch by
batch (`update`, `compute`, `reset`; across processes through torch.distributed).
`_EXPORTS` below is the one list of public names: `dcase_retrieval_eval.api` serves the same
list, so `from dcase_retrieval_eval import X` and `from dcase_retrieval_eval.api import X` give
the same object. Nothing is imported until a name is used, and heavy modules (the baseline,
torch, gensim) never are.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

#: every public name -> the module that defines it (imported on first use)
_EXPORTS = {
    "load_ground_truth": "formats.ground_truth",
    "load_query_set": "formats.query_set",
    "GroundTruth": "formats.ground_truth",
    "QuerySet": "formats.ground_truth",
    "load_submission": "formats.submission",
    "write_topk_csv": "formats.submission",
    "write_trec": "formats.trec",
    "load_trec_run": "formats.trec",
    "Submission": "formats.submission",
    "SubmissionFormat": "formats.submission",
    "validate": "api",
    "score": "api",
    "prepare_ground_truth": "formats.prepare",
    "ScoreReport": "measure.scoring",
    "ValidationReport": "check.validation",
    "Finding": "findings",
    "InputError": "errors",
    "OptionError": "errors",
    "EDITIONS": "editions",
    "get_edition": "editions",
    "Edition": "editions",
    "resolve_edition": "editions",
    "validate_package": "check.package_check",
    "PackageReport": "check.package_check",
    "load_meta": "formats.meta",
    "SystemMeta": "formats.meta",
    "rank": "challenge.ranking",
    "Leaderboard": "challenge.ranking",
    "write_results": "report.results_dir",
    "evaluate_convention": "measure.convention_report",
    "ConventionReport": "measure.convention_report",
    "evaluate": "measure.evaluate",
    "evaluate_embeddings": "measure.embeddings",
    "EmbeddingMetric": "measure.streaming",
}


def __getattr__(name: str) -> Any:
    """Import public names lazily so that `import dcase_retrieval_eval` stays fast."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f".{module}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


__all__ = sorted(_EXPORTS)
