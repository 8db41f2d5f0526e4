"""The meta-information YAML of one system in a team package, as a strict pydantic schema.

Strict on purpose: an unknown key is an error (usually a typo that would silently lose
information), and types are not coerced (`ensemble: "no"` is refused, `ensemble: false` is
accepted). docs/package-format.md documents every field; examples/meta.example.yaml is valid.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ..findings import Finding, FindingLog

#: A system label is also a file-name stem, so it is kept to portable characters.
LABEL_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
#: Meta files larger than this are refused before parsing (a YAML file of a few kB is normal).
MAX_META_BYTES = 64 * 1024
#: PyYAML is quadratic in flow nesting depth; a meta file needs only a handful of brackets.
MAX_BRACKETS = 500

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254,
                                         pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Author(_Strict):
    """One author; the e-mail lets the organizers reach the team."""

    name: Text
    email: Email
    institution: Text | None = None


class SystemMeta(_Strict):
    """Meta-information of one system. `label` must equal the stem of `<label>.output.csv`."""

    label: Annotated[str, StringConstraints(pattern=LABEL_PATTERN)]
    team: Text
    institution: Text
    authors: list[Author] = Field(min_length=1)
    system_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=40)]
    audio_encoder: Text
    text_encoder: Text
    loss: Text
    external_data: list[Text] = Field(
        description="Data sets or pre-trained models used beyond Clotho development; [] if none.")
    n_parameters: int = Field(ge=0)
    ensemble: bool
    description: Text | None = None


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(document)"


def load_meta(path: Path, log: FindingLog, *, display: str = "") -> SystemMeta | None:
    """Parse and check one meta YAML; every problem becomes a P704 finding in `log`."""
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_META_BYTES:
            log.add("P704", f"{shown}: the file has {size} bytes; at most {MAX_META_BYTES} are "
                    "read.", hint="A meta YAML holds a few fields; remove anything else.")
            return None
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        log.add("P704", f"{shown}: the file is not UTF-8 text.", hint="Save it as UTF-8.")
        return None
    except OSError as exc:
        log.add("P704", f"{shown}: cannot be read ({exc.strerror}).")
        return None
    if text.count("[") + text.count("{") > MAX_BRACKETS:
        log.add("P704", f"{shown}: more than {MAX_BRACKETS} '[' or '{{' characters.",
                hint="A meta file holds a few short lists; start from examples/meta.example.yaml.")
        return None
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, yaml.SafeLoader)):
            log.add("P704", f"{shown}: YAML aliases (*name) are not accepted.",
                    hint="Write every value out; a meta file needs no anchors or aliases.")
            return None
        doc = yaml.safe_load(text)
    except RecursionError:
        log.add("P704", f"{shown}: the YAML is nested too deeply.",
                hint="Start from examples/meta.example.yaml.")
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        problem = getattr(exc, "problem", None) or "not valid YAML"
        log.add("P704", f"{shown}: {problem}.", line=line,
                hint="Check the indentation and quote values holding ':' or '#'.")
        return None
    if not isinstance(doc, dict):
        log.add("P704", f"{shown}: the document is not a mapping of keys to values.",
                hint="Start from examples/meta.example.yaml.")
        return None
    try:
        return SystemMeta.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors():
            where = _location(err["loc"])
            message = err["msg"]
            if err["type"] == "extra_forbidden":
                message = "unknown key"
            log.add("P704", f"{shown}: {where}: {message}.",
                    hint="See docs/package-format.md for the fields and their types.")
        return None


def meta_findings_for(path: Path, display: str = "") -> tuple[SystemMeta | None, list[Finding]]:
    """Convenience for callers without a log: the parsed meta (or None) and its findings."""
    log = FindingLog(display or str(path))
    meta = load_meta(path, log, display=display)
    return meta, log.sorted()


def is_label(text: str) -> bool:
    return re.fullmatch(LABEL_PATTERN, text) is not None
