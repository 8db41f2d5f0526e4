"""Findings: one defect of one input file, with a stable code, a place and a hint.

Codes never change meaning once released; `docs/findings.md` documents each one with an example.
Every check in the toolkit reports through `Finding` so that the terminal, JSON and HTML views,
and the organizer's package log, all speak the same language.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict

#: Characters that never appear literally where the toolkit shows a user's text (a file or
#: folder name, a team name, a message quoting them): C0/C1 controls (a terminal runs
#: `ESC ] 0;...` or `ESC [31m`), line and paragraph separators, every format character (Unicode
#: category Cf: bidirectional controls, zero-width spaces and joiners, soft hyphen, tag
#: characters), the Hangul fillers that display as nothing, and lone surrogates (the bytes of a
#: non-UTF-8 file name as Python decodes them, or `"\ud800"` in a YAML string). The Cf ranges
#: are Unicode 15's; a test checks them against the running Python's `unicodedata`.
_UNSHOWABLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u2028\u2029\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
    "\u115f\u1160\u3164\uffa0\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a non-UTF-8 name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def unshowable_characters(text: str) -> list[str]:
    """The characters of `text` that `shown_text` escapes, as sorted U+XXXX names."""
    return [f"U+{c:04X}" for c in sorted({ord(m) for m in _UNSHOWABLE.findall(text)})]


def shown_text(text: str) -> str:
    """`text` as every surface shows it (terminal, JSON, CSV, Markdown, HTML): each character of
    `_UNSHOWABLE` written as a Python-style escape (`\\x1b`, `\\u200d`, `\\xe9` for the
    byte 0xE9 of a Latin-1 name), the rest as given. The result is always valid UTF-8, cannot
    drive a terminal, and cannot look like another name."""
    return _UNSHOWABLE.sub(_escape, text) if _UNSHOWABLE.search(text) else text


#: A model field holding user text: stored as `shown_text` makes it.
ShownText = Annotated[str, AfterValidator(shown_text)]


def shown_values(data: object) -> object:
    """`data` (parsed JSON or YAML) with every string, key or value, as `shown_text` makes it."""
    if isinstance(data, str):
        return shown_text(data)
    if isinstance(data, dict):
        return {shown_values(k): shown_values(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [shown_values(v) for v in data]
    return data


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class CodeInfo(BaseModel):
    model_config = ConfigDict(frozen=True)
    code: str
    name: str
    severity: Severity
    summary: str


def _c(code: str, name: str, severity: Severity, summary: str) -> CodeInfo:
    return CodeInfo(code=code, name=name, severity=severity, summary=summary)


E, W = Severity.ERROR, Severity.WARNING

#: The catalogue. F = file, C = CSV structure, Q = queries, A = audio files in a ranking,
#: M = score matrix, G = ground truth, P = team package, H = hosting (Codabench folders),
#: T = TREC run.
CATALOGUE: dict[str, CodeInfo] = {
    c.code: c
    for c in [
        _c("F101", "file-too-large", E, "The file is larger than the configured size limit."),
        _c("F102", "empty-file", E, "The file has no content."),
        _c("F103", "nul-bytes", E, "The file contains NUL bytes; it is binary, not CSV text."),
        _c("F104", "not-utf8", E, "The file is not valid UTF-8."),
        _c("F105", "unreadable", E, "The file could not be read."),
        _c("C201", "missing-header", E, "The first line is not the expected header."),
        _c("C202", "wrong-header", E, "The header has the wrong column names."),
        _c("C203", "wrong-delimiter", E, "The file uses another delimiter than a comma."),
        _c("C204", "wrong-cell-count", E, "A line has another number of cells than the header."),
        _c("C205", "unclosed-quote", E, "A quoted field is never closed."),
        _c("C206", "blank-cell", E, "A cell that must hold a name is empty."),
        _c("C207", "malformed-quote", E, "Text follows a closing quote inside a field."),
        _c("C208", "no-rows", E, "The file has a header but no data rows."),
        _c("C209", "unnamed-caption-column", W, "The caption column's header cell is empty "
           "(pandas' unnamed index) before the ranked columns; read as the caption."),
        _c("C210", "integer-header", W, "The header is 0,1,...,k (pandas' default column "
           "names); the columns were read by position."),
        _c("C211", "too-few-ranked-columns", E, "The header names fewer ranked columns than "
           "k: every row is short."),
        _c("C212", "too-many-cells", E, "A record holds more cells than any real file "
           "(100,000); the file is not read further."),
        _c("Q301", "missing-query", E, "A query of the query set has no row."),
        _c("Q302", "unknown-query", E, "A row's query is not in the query set."),
        _c("Q303", "duplicate-query", E, "Two rows have the same query."),
        _c("Q304", "outside-ground-truth", W, "Rows for queries that the ground truth does not "
           "hold were ignored, as asked (--only-gt-queries): one warning with their number."),
        _c("A401", "unknown-audio-file", E, "A ranked file is not in the audio set."),
        _c("A402", "repeated-file", E, "A file appears twice in one ranking."),
        _c("A403", "too-few-files", E, "A ranking holds fewer than k files."),
        _c("A404", "too-many-files", W, "A ranking holds more than k files; it is scored at "
           "depth k and the rest is ignored."),
        _c("A405", "audio-set-unknown", W, "The ground truth lists only relevant clips: "
           "names outside them were not checked."),
        _c("A406", "names-with-folders", E, "Ranked names carry a folder before an audio-set "
           "file name."),
        _c("A407", "folders-stripped", W, "Ranked names carried a folder and were compared "
           "by their base names (--strip-folders)."),
        _c("M501", "non-numeric-score", E, "A score cell is not a number."),
        _c("M502", "non-finite-score", E, "A score is NaN or infinite."),
        _c("M503", "duplicate-audio-column", E, "Two columns name the same audio file."),
        _c("M504", "missing-audio-column", W, "A file of the audio set has no column."),
        _c("M505", "tie-at-cutoff", W, "Equal scores straddle the top-k cut-off."),
        _c("M506", "constant-scores", W, "Scores are constant or mostly tied."),
        _c("M507", "no-audio-columns", E, "A score matrix has no audio column."),
        _c("M508", "pickled-array", E, "A NumPy array holds Python objects; reading it would "
           "need pickle, which is refused."),
        _c("M509", "missing-array", E, "A NumPy submission lacks the scores, queries or file "
           "names array, or has two arrays for one of them."),
        _c("M510", "array-shape", E, "A NumPy array has the wrong dimensions, or its length "
           "does not match the scores."),
        _c("M511", "score-dtype", E, "The NumPy score array is not of a real number type."),
        _c("M512", "name-dtype", E, "A NumPy array of queries or file names does not hold "
           "strings."),
        _c("M513", "unreadable-array", E, "The file is not a readable .npy or .npz file."),
        _c("G601", "duplicate-caption", W, "One caption is written for several files."),
        _c("G602", "empty-caption", W, "A caption cell is empty; it is not a query."),
        _c("G603", "duplicate-file", W, "A file is listed twice in the ground truth."),
        _c("G604", "bad-file-list", E, "A list of relevant files cannot be parsed."),
        _c("G605", "unknown-gt-format", E, "The ground-truth header matches no known format."),
        _c("G606", "no-queries", E, "The ground truth holds no query."),
        _c("G607", "bad-grade", E, "A relevance grade is not a non-negative number, or a "
           "judged pair has two grades."),
        _c("G608", "bad-id", E, "A tid or fid of the TAU relevance data is unknown or "
           "defined twice."),
        _c("P701", "too-many-systems", E, "A package holds more than four systems."),
        _c("P702", "missing-meta", E, "A system output has no meta-information YAML."),
        _c("P703", "missing-output", E, "A meta-information YAML has no system output."),
        _c("P704", "invalid-meta", E, "A meta-information YAML cannot be read or a value has the "
           "wrong type."),
        _c("P705", "unsafe-member", E, "A zip member has an absolute path, '..', or is a link."),
        _c("P706", "zip-bomb", E, "The zip exceeds the member, size or compression limits."),
        _c("P707", "bad-zip", E, "The file is not a readable zip archive."),
        _c("P708", "stray-file", W, "A package holds a file that is not part of a system."),
        _c("P709", "no-systems", E, "A package holds no system."),
        _c("P710", "label-mismatch", E, "The meta label differs from the file name's label."),
        _c("P711", "duplicate-label", E, "Two systems share one label."),
        _c("P712", "bad-label", E, "A file name's label uses characters other than "
           "letters, digits, '_', '-' and '.'."),
        _c("P713", "bad-report", W, "The technical report is not a PDF file."),
        _c("P714", "unreadable-package", E, "A package folder or member cannot be read."),
        _c("P720", "meta-missing-field", E, "A required field of the meta YAML is missing or "
           "empty."),
        _c("P721", "meta-unknown-key", W, "The meta YAML has a block or key that DCASE does not "
           "define; it is ignored."),
        _c("P722", "meta-duplicate-key", E, "A key appears twice in one mapping of the meta "
           "YAML."),
        _c("P723", "corresponding-author", E, "Not exactly one author is marked "
           "`corresponding: true`."),
        _c("P724", "label-form", E, "A label is not <Lastname>_<Inst>_<task>_<1-4> with the "
           "edition's task, or sits in another task's folder."),
        _c("P725", "unsafe-name", E, "A team or system name holds control, invisible or "
           "bidirectional characters."),
        _c("P726", "misplaced-file", W, "A system file sits in a folder named for another "
           "label."),
        _c("P727", "missing-report", W, "A package holds no technical report (PDF)."),
        _c("P728", "other-task-system", W, "A system is for another DCASE task (P724); its "
           "output is not checked as a retrieval output."),
        _c("H801", "no-submission-file", E, "An upload folder holds no CSV file."),
        _c("H802", "several-csv-files", E, "An upload folder holds several CSV files."),
        _c("H803", "archive-in-upload", E, "An upload holds an archive instead of the CSV."),
        _c("H804", "link-in-upload", E, "An upload folder holds a link or a special file."),
        _c("H805", "upload-too-deep", E, "An upload nests folders too deeply or holds too much."),
        _c("H806", "score-not-finite", E, "A score for the leaderboard is not a finite number "
           "(Codabench refuses it)."),
        _c("T901", "trec-bad-line", E, "A TREC run line does not have six fields."),
        _c("T902", "trec-bad-score", E, "A TREC run's score is not a finite number."),
        _c("T903", "trec-bad-id", E, "A TREC id's %-escapes are not UTF-8."),
    ]
}

#: At most this many findings of one code are kept per file; the rest are counted.
MAX_PER_CODE = 1000


class Finding(BaseModel):
    """One defect. `line` and `column` are 1-based; 0 means the whole file or line."""

    model_config = ConfigDict(frozen=True)
    code: str
    severity: Severity
    message: ShownText
    hint: ShownText = ""
    line: int = 0
    column: int = 0
    file: ShownText = ""

    @property
    def name(self) -> str:
        return CATALOGUE[self.code].name


def located(finding: Finding) -> str:
    """One finding on one line, where a table has no room for its own columns:
    `line 12, column 3: A401 <message>` (`line 12:` for a whole line, nothing for the file)."""
    where = (f"line {finding.line}, column {finding.column}: " if finding.line and finding.column
             else f"line {finding.line}: " if finding.line else "")
    return f"{where}{finding.code} {finding.message}"


def make_finding(
    code: str, message: str, *, line: int = 0, column: int = 0, hint: str = "", file: str = ""
) -> Finding:
    info = CATALOGUE[code]
    return Finding(
        code=code,
        severity=info.severity,
        message=message,
        hint=hint,
        line=line,
        column=column,
        file=file,
    )


class FindingLog:
    """Collects findings, keeping at most `MAX_PER_CODE` of each code and counting the rest."""

    def __init__(self, file: str = "", max_per_code: int = MAX_PER_CODE) -> None:
        self.file = file
        self.max_per_code = max_per_code
        self._items: list[Finding] = []
        self.counts: Counter[str] = Counter()

    def add(
        self, code: str, message: str, *, line: int = 0, column: int = 0, hint: str = ""
    ) -> None:
        self.counts[code] += 1
        if self.counts[code] <= self.max_per_code:
            self._items.append(
                make_finding(code, message, line=line, column=column, hint=hint, file=self.file)
            )

    @classmethod
    def of(cls, findings: Iterable[Finding], counts: Mapping[str, int] | None = None,
           *, file: str = "") -> FindingLog:
        """A log holding `findings` (and `counts`, as `extend` takes them), to count them."""
        log = cls(file)
        log.extend(findings, counts)
        return log

    def extend(self, findings: Iterable[Finding],
               counts: Mapping[str, int] | None = None) -> None:
        """Add `findings`; `counts` (the full number of each code, as `Submission.finding_counts`
        holds it) when they are the kept part of another log, so its cut findings count here."""
        kept: Counter[str] = Counter()
        for f in findings:
            kept[f.code] += 1
            self.counts[f.code] += 1
            if self.counts[f.code] <= self.max_per_code:
                self._items.append(f)
        for code, n in (counts or {}).items():
            self.counts[code] += n - kept[code]

    def has(self, code: str) -> bool:
        return self.counts[code] > 0

    def _count(self, severity: Severity) -> int:
        return sum(n for c, n in self.counts.items() if CATALOGUE[c].severity == severity)

    @property
    def errors(self) -> int:
        """How many error findings were added, those cut by `max_per_code` included."""
        return self._count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        """How many warnings were added, those cut by `max_per_code` included."""
        return self._count(Severity.WARNING)

    def sorted(self, severity: Severity | None = None) -> list[Finding]:
        """The kept findings by file, line, column and code; only those of `severity` if given."""
        return sorted((f for f in self._items if severity is None or f.severity == severity),
                      key=lambda f: (f.file, f.line, f.column, f.code))

    @property
    def truncated(self) -> dict[str, int]:
        """Codes whose findings were cut, with how many were left out."""
        return {c: n - self.max_per_code for c, n in self.counts.items() if n > self.max_per_code}
