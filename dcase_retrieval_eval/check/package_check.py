"""A whole team package checked: its layout findings (from `formats.package`), every meta YAML
and every system output validated against the query set, in one report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from ..editions import Edition, resolve_edition
from ..findings import Finding, FindingLog, ShownText
from ..formats.ground_truth import QuerySet
from ..formats.meta_model import SystemMeta
from ..formats.package import OpenedPackage, ZipLimits, open_package, read_meta, read_output
from ..io.csvread import DEFAULT_MAX_BYTES
from .validation import ValidationReport, validate_submission


class PackageSystem(BaseModel):
    """One system of a package: its label, where its files are, its meta and its validation."""

    label: ShownText
    output: ShownText | None = None
    meta_file: ShownText | None = None
    meta: SystemMeta | None = None
    validation: ValidationReport | None = None
    #: package-level findings per code that are about this system (its meta, label, task)
    counts: dict[str, int] = {}

    @property
    def verdict(self) -> tuple[bool, int, int]:
        """(valid, errors, warnings) of this system: its meta findings and its output's; a
        system without a checked output or without a meta file is not valid."""
        counts = dict(self.counts)
        for code, n in (self.validation.counts if self.validation is not None else {}).items():
            counts[code] = counts.get(code, 0) + n
        log = FindingLog.of([], counts)
        errors, warnings = log.errors, log.warnings
        usable = self.validation is not None and self.meta_file is not None
        return usable and errors == 0, errors, warnings


class PackageReport(BaseModel):
    """Everything found in one package: package-level findings and one report per system."""

    path: ShownText
    valid: bool
    systems: list[PackageSystem]
    technical_reports: list[ShownText]
    package: ValidationReport

    def reports(self) -> Iterator[ValidationReport]:
        """The package-level report first, then one per system output, in label order."""
        yield self.package
        for system in self.systems:
            if system.validation is not None:
                yield system.validation


def _package_report(pkg: OpenedPackage, n_queries: int, depth: int) -> ValidationReport:
    log = pkg.log
    return ValidationReport(path=pkg.display, format="package", valid=log.errors == 0, n_rows=0,
                            n_queries=n_queries, depth=depth, errors=log.errors,
                            warnings=log.warnings, counts=dict(sorted(log.counts.items())),
                            findings=log.sorted())


def label_task(edition: str | Edition, resolved: Edition) -> str | None:
    """The label task an explicitly chosen edition requires; None (any retrieval task) for
    `auto`, which cannot tell 2022 from 2023 or 2024 by the ground truth alone."""
    if isinstance(edition, str) and edition == "auto":
        return None
    return resolved.task


def validate_package(
    path: str | Path,
    against: QuerySet,
    *,
    edition: str | Edition = "auto",
    k: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ZipLimits | None = None,
) -> PackageReport:
    """Check a whole package: its layout, every meta YAML and every system output."""
    resolved = resolve_edition(edition, against, k)
    depth = resolved.depth
    task = label_task(edition, resolved)
    systems: list[PackageSystem] = []
    with open_package(path, limits) as pkg:
        for label in sorted(set(pkg.outputs) | set(pkg.metas)):
            before = dict(pkg.log.counts)
            meta = read_meta(pkg, label, task)
            report = None
            other = pkg.foreign.get(label)
            if other is not None:  # the P724 verdict stands: not checked as a retrieval output
                shown = (pkg.outputs.get(label) or pkg.metas[label])[1]
                pkg.log.add("P728", f"{shown} is for {other}, not language-based audio "
                            "retrieval (P724): its output was not checked.",
                            hint="Submit it to its own task; package only this task's systems "
                            "here.")
            elif label in pkg.outputs:
                report, _ = validate_submission(read_output(pkg, label, max_bytes), against,
                                                 depth)
            systems.append(PackageSystem(
                label=label, output=pkg.outputs.get(label, (None, None))[1],
                meta_file=pkg.metas.get(label, (None, None))[1], meta=meta, validation=report,
                counts={c: n - before.get(c, 0) for c, n in sorted(pkg.log.counts.items())
                        if n > before.get(c, 0)}))
        package = _package_report(pkg, against.n_queries, depth)
        technical = [display for _, display in pkg.reports]
    valid = package.valid and all(s.validation is None or s.validation.valid for s in systems)
    return PackageReport(path=str(path), valid=valid, systems=systems,
                         technical_reports=technical, package=package)


def all_findings(report: PackageReport) -> list[Finding]:
    """Every finding of a package report, package-level first."""
    return [f for r in report.reports() for f in r.findings]
