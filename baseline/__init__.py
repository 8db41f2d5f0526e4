"""Reference baseline of the DCASE language-based audio retrieval task.

Kept outside the core package so that `dcase_retrieval_eval` never needs torch or gensim: the
modules that use them import them at module level and are only imported by the baseline commands.
Installed under the import name `dcase_retrieval_baseline` (the folder stays `baseline/`);
`dcase_retrieval_baseline.synth` needs only numpy and scipy.
"""

SPLITS = ("development", "validation", "evaluation")

__all__ = ["SPLITS"]
