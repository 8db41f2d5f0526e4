"""Errors the API raises for unusable inputs; each carries the findings that explain it."""

from __future__ import annotations

from .findings import Finding


class InputError(Exception):
    """An input file cannot be used at all (the CLI exits 1 and prints the findings)."""

    def __init__(self, message: str, findings: list[Finding] | None = None,
                 counts: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []
        #: findings per code, past the per-code limit of `findings` too (a validation's counts)
        self.counts: dict[str, int] = dict(counts) if counts else _tally(self.findings)


def _tally(findings: list[Finding]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.code] = counts.get(f.code, 0) + 1
    return counts


class OutputError(Exception):
    """An output cannot be written where asked: it would replace, delete or sit on top of an
    input, or the place is not writable. A usage error: the CLI exits 2 with this one line."""


#: how each surface names lenient scoring, for `ScoringRefused.message`
LENIENT_IN_PYTHON = "score with lenient=True"
LENIENT_ON_COMMAND_LINE = "score with --lenient"


class ScoringRefused(InputError):
    """A submission with errors that lenient scoring would still score. The message ends with
    the way to do that, and each surface names its own (`message(remedy)`): the Python API says
    `lenient=True`, the command line `--lenient`, and a ranking says that it was strict."""

    def __init__(self, path: str, errors: int, findings: list[Finding] | None = None,
                 counts: dict[str, int] | None = None,
                 remedy: str = LENIENT_IN_PYTHON) -> None:
        self.path = path
        self.errors = errors
        super().__init__(self.message(remedy), findings, counts)

    @property
    def refusal(self) -> str:
        """What was refused, with no remedy (a ranking adds how it was run)."""
        return (f"{self.path} is not a valid submission ({self.errors} "
                f"error{'' if self.errors == 1 else 's'})")

    def message(self, remedy: str) -> str:
        return f"{self.refusal}; fix it or {remedy}"


class OptionError(ValueError):
    """An option that does not fit the input it is given for (a relevance threshold for binary
    ground truth, a query file without its audio set). A usage error: the CLI exits 2."""
