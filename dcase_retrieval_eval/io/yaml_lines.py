"""YAML read node by node, keeping the line of every value, so a checker can name it.

`yaml.safe_load` gives plain values without their lines, keeps only the last of two equal keys,
and stops at the first value it cannot construct. A validator needs all of those: every defect
of a file in one run, each with its line. So the document is composed into PyYAML's node tree
and walked here: a mapping keeps the line of each key, a duplicate key is a finding (P722), a
value that cannot be constructed is a finding (P704) and becomes `BAD`, and the walk goes on.

The reader refuses, before parsing, what would make PyYAML slow or unsafe on hostile input: a
large file, deep flow nesting (PyYAML is quadratic in it) and aliases (the billion-laughs
expansion). `Fields` then reads typed values out of the tree, again one finding per defect. The
only YAML the toolkit reads is a team's meta-information file, so the findings carry the package
codes (P704 unreadable or wrong type, P720 missing, P721 unknown key, P722 duplicate key).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import JsonValue

from ..findings import FindingLog
from .regular import NOT_REGULAR, NotRegularFile, open_regular


class _Bad:
    """A scalar that could not be constructed (already reported)."""


BAD = _Bad()


@dataclass
class Node:
    """A YAML value with the 1-based line where it starts; mappings and lists hold Nodes."""

    value: Any
    line: int
    keys: dict[str, int] = field(default_factory=dict)  # mapping: key -> line of the key


@dataclass
class Reporter:
    """Adds findings to `log` in one wording: `<file>: <where>: <message>.`, with a line.

    `hint` is the hint of every finding that brings none of its own.
    """

    log: FindingLog
    shown: str
    hint: str = ""

    def add(self, code: str, where: str, message: str, line: int, hint: str | None = None,
            ) -> None:
        text = f"{self.shown}: {where}: {message}" if where else f"{self.shown}: {message}"
        self.log.add(code, text + ".", line=line, hint=self.hint if hint is None else hint)


def is_bad(value: object) -> bool:
    """True for a value that could not be constructed (its finding is already in the log)."""
    return isinstance(value, _Bad)


def plain(value: Any) -> JsonValue:
    """A constructed YAML value as JSON-like data (dates become ISO text)."""
    if isinstance(value, Node):
        return plain(value.value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    if isinstance(value, bytes | _Bad):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value  # type: ignore[no-any-return]


def _walk(loader: yaml.SafeLoader, node: yaml.Node, path: str, report: Reporter) -> Node:
    line = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out = Node({}, line)
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                report.add("P704", path or "(document)", "a key must be plain text, not a "
                           "list or mapping", key_line)
                continue
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if key in out.keys:
                report.add("P722", where, f"the key appears twice (first on line "
                           f"{out.keys[key]}); YAML would silently keep only the last value",
                           key_line, hint="Keep one of the two entries.")
                continue
            out.keys[key] = key_line
            out.value[key] = _walk(loader, value_node, where, report)
        return out
    if isinstance(node, yaml.SequenceNode):
        return Node([_walk(loader, item, f"{path}[{i + 1}]", report)
                     for i, item in enumerate(node.value)], line)
    try:
        value = loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0][:120]
        report.add("P704", path, f"the value cannot be read ({reason})", line)
        return Node(BAD, line)
    return Node(value, line)


def _read_text(path: Path, report: Reporter, max_bytes: int) -> str | None:
    try:
        with open_regular(path) as fh:  # never a pipe: open() would wait for a writer
            size = os.fstat(fh.fileno()).st_size
            if size > max_bytes:
                report.add("P704", "", f"the file has {size} bytes; at most {max_bytes} are "
                           "read", 0, hint="A meta YAML holds a few blocks; remove anything "
                           "else.")
                return None
            return fh.read(max_bytes + 1).decode("utf-8")
    except NotRegularFile:
        report.add("P704", "", f"the file is {NOT_REGULAR}", 0, hint="Save it as a file.")
    except UnicodeDecodeError:
        report.add("P704", "", "the file is not UTF-8 text", 0, hint="Save it as UTF-8.")
    except OSError as exc:
        report.add("P704", "", f"cannot be read ({exc.strerror})", 0, hint="")
    return None


def read_tree(path: Path, report: Reporter, *, max_bytes: int, max_brackets: int) -> Node | None:
    """The document as a Node tree, or None after a P704 when it cannot be read at all."""
    text = _read_text(path, report, max_bytes)
    if text is None:
        return None
    if text.count("[") + text.count("{") > max_brackets:
        report.add("P704", "", f"more than {max_brackets} '[' or '{{' characters", 0)
        return None
    try:
        if any(isinstance(event, yaml.AliasEvent) for event in yaml.parse(text, yaml.SafeLoader)):
            report.add("P704", "", "YAML aliases (*name) are not accepted", 0,
                       hint="Write every value out; a meta file needs no anchors or aliases.")
            return None
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is None:
                report.add("P704", "", "the file holds no YAML document", 0)
                return None
            return _walk(loader, root, "", report)
        finally:
            loader.dispose()
    except RecursionError:
        report.add("P704", "", "the YAML is nested too deeply", 0)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "not valid YAML"
        line = mark.line + 1 if mark is not None else 0
        hint = "Check the indentation and quote values holding ':' or '#'."
        if "'\\t'" in problem:  # PyYAML's words for a tab: "found character '\t' ..."
            where = f"line {line}, column {mark.column + 1}" if mark is not None else "a line"
            problem = f"a tab character ({where}) where YAML allows spaces only"
            hint = (f"Replace the tab character on line {line} with spaces: YAML (and DCASE's "
                    "own tools) refuse tabs in indentation and before a '#' comment.")
        report.add("P704", "", problem, line, hint=hint)
    return None


class Fields:
    """Typed reads of the values of a Node tree, one finding per defect: P720 for a required
    field that is missing or empty, P704 for a wrong type or an over-long text, P721 for a key
    the format does not define."""

    def __init__(self, report: Reporter) -> None:
        self.p = report

    def mapping(self, parent: Node, key: str, where: str, *, required: bool) -> Node | None:
        node: Node | None = parent.value.get(key)
        here = f"{where}.{key}" if where else key
        if node is None or node.value is None:
            if required:
                self.p.add("P720", here, "missing" if node is None else "empty (!!null)",
                           node.line if node else parent.line)
            return None
        if not isinstance(node.value, dict):
            self.p.add("P704", here, "must be a mapping of keys to values", node.line)
            return None
        return node

    def text(self, parent: Node, key: str, where: str, *, required: bool, limit: int,
             ) -> str | None:
        """The stripped text of a scalar (numbers are read as their text); too long is a P704
        but the text is still returned, so later checks see it."""
        node = parent.value.get(key)
        here = f"{where}.{key}"
        if node is None or node.value is None or node.value == "":
            if required:
                self.p.add("P720", here, "missing" if node is None else "empty",
                           node.line if node else parent.line)
            return None
        value = node.value
        if is_bad(value):
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.p.add("P704", here, "must be text", node.line)
            return None
        text = str(value).strip()
        if len(text) > limit:
            self.p.add("P704", here, f"has {len(text)} characters; at most {limit} are "
                       "accepted", node.line)
        return text

    def unknown(self, node: Node, known: tuple[str, ...], where: str, what: str) -> None:
        for key, line in node.keys.items():
            if key not in known:
                self.p.add("P721", f"{where}.{key}" if where else key,
                           f"unknown {what}; it is ignored", line,
                           hint=f"Known: {', '.join(known)}. Check the spelling.")
