"""`python -m dcase_retrieval_eval`: the same as the `dcase-eval` command."""

from .cli import run

run()
