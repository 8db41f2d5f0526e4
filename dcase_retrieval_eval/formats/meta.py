"""The DCASE meta-information YAML of one system (`<label>.meta.yaml`), checked block by block
into its typed model (`meta_model`).

Every DCASE task asks for the same three blocks (the challenge templates and validators, and
dcase_util's `SubmissionChecker`): `submission` (label, names, authors), `system` (a free-form
`description` of the method, `complexity`, `external_datasets`, `source_code`) and `results` (the
team's own development-set figures). Templates write empty values as `!!null`.

The file is read node by node (`io.yaml_lines`) so that every problem is reported in one run,
each with its YAML line: a missing required field, a wrong type, a duplicate key, a second
corresponding author, a name that could spoof another team's, a label of the wrong form
(`team_identity` holds those two rules). A team's own `description` keys are all kept; the
characteristics the task papers tabulate are read from them when present
(`SystemMeta.characteristics`). docs/package-format.md documents every field.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from ..editions import RETRIEVAL_TASKS
from ..findings import Finding, FindingLog
from ..io.yaml_lines import Fields, Node, Reporter, is_bad, plain, read_tree
from .meta_model import Affiliation, Author, ExternalDataset, SubmissionInfo, SystemInfo
from .meta_model import SystemMeta as SystemMeta  # re-exported: what load_meta returns
from .team_identity import label_problems, unsafe_characters

#: Meta files larger than this are refused before parsing (a filled template is a few kB).
MAX_META_BYTES = 64 * 1024
#: PyYAML is quadratic in flow nesting depth; a meta file needs only a handful of brackets.
MAX_BRACKETS = 500
MAX_TEXT = 500
MAX_ABBREVIATION = 10
#: More parameters than this is not a model but a typo (or an attack on the integer parser).
MAX_PARAMETERS = 10**15
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOP_BLOCKS = ("submission", "system", "results")

_HINT = "See docs/package-format.md; examples/meta.example.yaml is a filled-in template."


class _Checker(Fields):
    """Reads the blocks out of a Node tree, adding one finding per defect."""

    def text(self, parent: Node, key: str, where: str, *, required: bool, limit: int = MAX_TEXT,
             name: bool = False) -> str | None:
        """A text field; a `name` (shown in results) must not hold spoofing characters."""
        text = super().text(parent, key, where, required=required, limit=limit)
        bad = unsafe_characters(text) if name and text is not None else []
        if bad:
            self.p.add("P725", f"{where}.{key}", "holds control, invisible or bidirectional "
                       "characters (" + ", ".join(bad[:5]) + "); they could make it display as "
                       "another name", parent.value[key].line,
                       hint="Type the name with plain characters only.")
            return None
        return text


def _affiliation(c: _Checker, author: Node, where: str) -> Affiliation | None:
    """The author's affiliation; a list of them (dcase_util accepts one) is checked item by
    item, and the first is the one kept."""
    given = author.value.get("affiliation")
    if given is not None and isinstance(given.value, list) and given.value:
        found = [_one_affiliation(c, Node({"affiliation": item}, item.line), where,
                                  f"{where}.affiliation[{i}]")
                 for i, item in enumerate(given.value, start=1)]
        return found[0] if all(a is not None for a in found) else None
    return _one_affiliation(c, author, where, f"{where}.affiliation")


def _one_affiliation(c: _Checker, author: Node, where: str, here: str) -> Affiliation | None:
    node = c.mapping(author, "affiliation", where, required=True)
    if node is None:
        return None
    fields = {k: c.text(node, k, here, required=k in ("abbreviation", "institute"), name=True)
              for k in ("abbreviation", "institute", "department", "location")}
    c.unknown(node, ("abbreviation", "institute", "department", "location"), here, "key")
    if fields["abbreviation"] is None or fields["institute"] is None:
        return None
    return Affiliation(abbreviation=fields["abbreviation"], institute=fields["institute"],
                       department=fields["department"], location=fields["location"])


def _corresponding(c: _Checker, author: Node, where: str) -> bool:
    """The author's `corresponding` flag; absent or `!!null` is false."""
    flag = author.value.get("corresponding")
    if flag is None or flag.value is None:
        return False
    if isinstance(flag.value, bool):
        return flag.value
    if not is_bad(flag.value):
        c.p.add("P704", f"{where}.corresponding", "must be true or false", flag.line)
    return False


def _authors(c: _Checker, sub: Node) -> list[Author] | None:
    node = sub.value.get("authors")
    if node is None or node.value is None or node.value == []:
        c.p.add("P720", "submission.authors", "missing" if node is None else "empty",
                node.line if node else sub.line)
        return None
    if not isinstance(node.value, list):
        c.p.add("P704", "submission.authors", "must be a list of authors (- lastname: ...)",
                node.line)
        return None
    authors: list[Author] = []
    ok = True
    corresponding: list[int] = []
    for i, item in enumerate(node.value, start=1):
        where = f"submission.authors[{i}]"
        if not isinstance(item.value, dict):
            c.p.add("P704", where, "must be a mapping (lastname, firstname, email, ...)",
                    item.line)
            ok = False
            continue
        last = c.text(item, "lastname", where, required=True, name=True)
        first = c.text(item, "firstname", where, required=True, name=True)
        email = c.text(item, "email", where, required=True)
        if email is not None and (len(email) > 254 or not EMAIL.match(email)):
            c.p.add("P704", f"{where}.email", f"{email[:80]!r} is not an e-mail address",
                    item.value["email"].line)
            email = None
        is_corr = _corresponding(c, item, where)
        if is_corr:
            corresponding.append(item.line)
        aff = _affiliation(c, item, where)
        c.unknown(item, ("lastname", "firstname", "email", "corresponding", "affiliation"),
                  where, "key")
        if last is None or first is None or email is None or aff is None:
            ok = False
            continue
        authors.append(Author(lastname=last, firstname=first, email=email,
                              corresponding=is_corr, affiliation=aff))
    if len(corresponding) != 1:
        lines = ", ".join(str(n) for n in corresponding)
        c.p.add("P723", "submission.authors",
                "no author is marked `corresponding: true`" if not corresponding else
                f"{len(corresponding)} authors are marked corresponding (lines {lines})",
                corresponding[1] if len(corresponding) > 1 else node.line,
                hint="Mark exactly one author with `corresponding: true`.")
        ok = False
    return authors if ok else None


def _submission(c: _Checker, root: Node, task: str | None, tasks: frozenset[str],
                ) -> SubmissionInfo | None:
    sub = c.mapping(root, "submission", "", required=True)
    if sub is None:
        return None
    label = c.text(sub, "label", "submission", required=True)
    for code, message, hint in label_problems(label, task, tasks) if label is not None else ():
        c.p.add(code, "submission.label", message, sub.value["label"].line, hint=hint)
    name = c.text(sub, "name", "submission", required=True, name=True)
    abbreviation = c.text(sub, "abbreviation", "submission", required=True, name=True)
    if abbreviation is not None and len(abbreviation) > MAX_ABBREVIATION:
        c.p.add("P704", "submission.abbreviation", f"{abbreviation!r} has {len(abbreviation)} "
                f"characters; at most {MAX_ABBREVIATION} are accepted",
                sub.value["abbreviation"].line,
                hint="The abbreviation is used where the results table is narrow.")
        abbreviation = None
    authors = _authors(c, sub)
    c.unknown(sub, ("label", "name", "abbreviation", "authors"), "submission", "key")
    if None in (label, name, abbreviation) or authors is None:
        return None
    assert label is not None and name is not None and abbreviation is not None
    return SubmissionInfo(label=label, name=name, abbreviation=abbreviation, authors=authors)


def _total_parameters(c: _Checker, complexity: Node | None) -> int | None:
    if complexity is None:
        return None
    node = complexity.value.get("total_parameters")
    where = "system.complexity.total_parameters"
    if node is None or node.value is None:
        c.p.add("P720", where, "missing" if node is None else "empty (!!null)",
                node.line if node else complexity.line,
                hint="Give the parameter count of the whole system as a plain integer.")
        return None
    value = node.value
    if is_bad(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        c.p.add("P704", where, f"{str(value)[:40]!r} is not an integer", node.line,
                hint="Write the count as digits only, e.g. 732354 (no commas, no 'M').")
        return None
    if not 0 <= value <= MAX_PARAMETERS:
        c.p.add("P704", where, f"{value} is outside 0..{MAX_PARAMETERS}", node.line)
        return None
    return value


def _datasets(c: _Checker, system: Node) -> list[ExternalDataset]:
    node = system.value.get("external_datasets")
    if node is None or node.value is None:
        return []
    if not isinstance(node.value, list):
        c.p.add("P704", "system.external_datasets", "must be a list (- name: ..., url: ...)",
                node.line)
        return []
    out: list[ExternalDataset] = []
    for i, item in enumerate(node.value, start=1):
        where = f"system.external_datasets[{i}]"
        if not isinstance(item.value, dict):
            c.p.add("P704", where, "must be a mapping with at least a name", item.line)
            continue
        if all(v.value is None for v in item.value.values()):
            continue  # the template's "no external data" entry: every field !!null
        name = c.text(item, "name", where, required=True)
        url = c.text(item, "url", where, required=False)
        if name is not None:
            info = {k: plain(v) for k, v in item.value.items() if k not in ("name", "url")}
            out.append(ExternalDataset(name=name, url=url, info=info))
    return out


def _system(c: _Checker, root: Node) -> SystemInfo | None:
    system = c.mapping(root, "system", "", required=True)
    if system is None:
        return None
    description = c.mapping(system, "description", "system", required=True)
    complexity = c.mapping(system, "complexity", "system", required=True)
    parameters = _total_parameters(c, complexity)
    datasets = _datasets(c, system)
    source = c.text(system, "source_code", "system", required=False)
    c.unknown(system, ("description", "complexity", "external_datasets", "source_code"),
              "system", "key")
    if description is None or parameters is None:
        return None
    assert complexity is not None
    return SystemInfo(description={k: plain(v) for k, v in description.value.items()},
                      total_parameters=parameters,
                      complexity={k: plain(v) for k, v in complexity.value.items()},
                      external_datasets=datasets, source_code=source)


def _number(c: _Checker, node: Node, where: str) -> tuple[bool, float | None]:
    value = node.value
    if value is None:
        return True, None
    if is_bad(value):
        return False, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        c.p.add("P704", where, f"{str(plain(value))[:40]!r} is not a number", node.line,
                hint="Write the figure as a plain number, e.g. 0.276, or !!null.")
        return False, None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range (a 400-digit figure)
        number = math.inf
    if not math.isfinite(number) or number < 0:
        c.p.add("P704", where, f"{str(value)[:40]!r} is not a finite non-negative number",
                node.line)
        return False, None
    return True, number


def _split_values(c: _Checker, node: Node, where: str, prefix: str,
                  values: dict[str, float | None]) -> bool:
    """The figures of one split however deep the team nested them (`overall:`, class-wise or
    sub-split blocks): an `overall` block's metrics keep their own names, the others are named
    by their path (`clips.mAP@10`); the first figure of a name wins."""
    ok = True
    items = sorted(node.value.items(), key=lambda kv: kv[0].strip().lower() != "overall")
    for metric, leaf in items:
        here = f"{where}.{metric}"
        if isinstance(leaf.value, dict):
            inner = prefix if metric.strip().lower() == "overall" else f"{prefix}{metric}."
            ok &= _split_values(c, leaf, here, inner, values)
            continue
        good, number = _number(c, leaf, here)
        ok &= good
        values.setdefault(f"{prefix}{metric}", number)
    return ok


def _results(c: _Checker, root: Node) -> dict[str, dict[str, float | None]] | None:
    """Metric -> value per split; `results: !!null` is an empty block (figures are optional)."""
    node = root.value.get("results")
    if node is None:
        c.p.add("P720", "results", "missing", root.line,
                hint="Add a results block; write !!null for figures you do not have.")
        return None
    if node.value is None:
        return {}
    if not isinstance(node.value, dict):
        c.p.add("P704", "results", "must be a mapping of metric names to numbers", node.line)
        return None
    splits: dict[str, dict[str, float | None]] = {}
    flat: dict[str, float | None] = {}
    ok = True
    for key, child in node.value.items():
        where = f"results.{key}"
        if isinstance(child.value, dict):
            values: dict[str, float | None] = {}
            ok &= _split_values(c, child, where, "", values)
            splits[key] = values
        else:
            good, number = _number(c, child, where)
            ok &= good
            flat[key] = number
    if flat:
        splits = {"development": flat, **splits}
    return splits if ok else None


def check_meta(root: Node, report: Reporter, *, task: str | None = None,
               tasks: frozenset[str] = RETRIEVAL_TASKS) -> SystemMeta | None:
    """The model of a parsed document, or None when an error was found (all are reported)."""
    c = _Checker(report)
    if not isinstance(root.value, dict):
        report.add("P704", "", "the document is not a mapping of blocks (submission, system, "
                   "results)", root.line)
        return None
    errors_before = report.log.errors
    submission = _submission(c, root, task, tasks)
    system = _system(c, root)
    results = _results(c, root)
    c.unknown(root, TOP_BLOCKS, "", "top-level block")
    if submission is None or system is None or results is None \
            or report.log.errors > errors_before:
        return None
    extra = {k: plain(v) for k, v in root.value.items() if k not in TOP_BLOCKS}
    return SystemMeta(submission=submission, system=system, results=results, extra_blocks=extra)


def load_meta(path: Path, log: FindingLog, *, display: str = "", task: str | None = None,
              ) -> SystemMeta | None:
    """Parse and check one meta YAML; every problem becomes a finding in `log`, with its line.

    `task` is the label task the edition requires (`task6b`, `task8`, `task6`); None accepts any
    of the retrieval tasks (the edition was not given).
    """
    report = Reporter(log, display or str(path), hint=_HINT)
    errors_before = log.errors
    tree = read_tree(path, report, max_bytes=MAX_META_BYTES, max_brackets=MAX_BRACKETS)
    meta = check_meta(tree, report, task=task) if tree is not None else None
    return meta if log.errors == errors_before else None  # a duplicate key is found in reading


def declared_label(path: Path) -> str | None:
    """The `submission.label` a meta file states, even when the file has other errors: a
    label copied from another system is then still reported (P710)."""
    tree = read_tree(path, Reporter(FindingLog(), ""), max_bytes=MAX_META_BYTES,
                     max_brackets=MAX_BRACKETS)
    sub = tree.value.get("submission") if tree is not None and isinstance(tree.value, dict) \
        else None
    node = sub.value.get("label") if sub is not None and isinstance(sub.value, dict) else None
    value = node.value if node is not None else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def meta_findings_for(path: Path, display: str = "", task: str | None = None,
                      ) -> tuple[SystemMeta | None, list[Finding]]:
    """Convenience for callers without a log: the parsed meta (or None) and its findings."""
    log = FindingLog(display or str(path))
    meta = load_meta(path, log, display=display, task=task)
    return meta, log.sorted()
