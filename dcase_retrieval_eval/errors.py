"""Errors the API raises for unusable inputs; each carries the findings that explain it."""

from __future__ import annotations

from .findings import Finding


class InputError(Exception):
    """An input file cannot be used at all (the CLI exits 1 and prints the findings)."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


class OutputError(Exception):
    """An output cannot be written where asked: it would replace, delete or sit on top of an
    input, or the place is not writable. A usage error: the CLI exits 2 with this one line."""
