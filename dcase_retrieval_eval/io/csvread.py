"""Byte-safe CSV reading that keeps the line of every record.

Why not pandas here: pandas loses the physical line of a record once a quoted field holds a newline,
and stops at the first malformed line. The stdlib `csv` module (C code) streams, reports its
physical line count, and can carry on after a bad record, which is what a validator needs: every
defect of a file in one run. Before parsing, the raw bytes are checked in chunks (size, NUL bytes,
UTF-8) so that no byte sequence can raise later.
"""

from __future__ import annotations

import codecs
import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from ..findings import FindingLog

#: Default size limit for one CSV (1 GiB); a million-query top-10 file is about 300 MB.
DEFAULT_MAX_BYTES = 1 << 30
_CHUNK = 1 << 20
#: C207 findings whose column is found by re-reading their lines (the rest get column 0)
_MAX_REREAD = 100
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}
#: Cells one record may hold. The widest real file is a score matrix over an audio set (Clotho's
#: evaluation split: 1,045 clips); the csv module keeps a record's cells as separate strings,
#: about 60 bytes each however short, so a record of millions of one-byte cells would cost 30x
#: its file. Counting delimiters before a record is parsed keeps memory a small multiple of the
#: file size (C212).
MAX_CELLS = 100_000

csv.field_size_limit(1 << 30)


class Record(NamedTuple):
    line: int  # 1-based physical line where the record starts
    cells: list[str]


#: what a binary file is, from its first bytes, for the hint of F103
_ARCHIVES = {b"PK\x03\x04": "a zip archive", b"\x1f\x8b": "gzip-compressed",
             b"7z\xbc\xaf": "a 7-Zip archive"}


def _binary_hint(head: bytes, what: str) -> str:
    """F103's hint: an archive is named as one (a team's zip given to `score`), anything else
    is asked for as plain text."""
    kind = next((name for magic, name in _ARCHIVES.items() if head.startswith(magic)), None)
    if kind is None:
        return f"Export the {what} as a plain-text CSV file."
    return (f"The file is {kind}: extract it and give the {what} inside (a team package's zip "
            "is read whole by validate and rank).")


def _looks_utf16(head: bytes) -> bool:
    """NUL bytes on one byte parity only, as ASCII text in UTF-16 without a byte-order mark."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 2:
        return False
    z_even, z_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    return max(z_even, z_odd) > 0.4 and min(z_even, z_odd) < 0.1


def _guess_encoding(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 (it starts with a UTF-16 byte-order mark)"
    if _looks_utf16(head):
        return "UTF-16 without a byte-order mark"
    if b"\r" in head and b"\n" not in head:
        return "Mac Roman (CR line ends: Excel's 'CSV (Macintosh)' export)"
    try:
        head.decode("cp1252")
    except UnicodeDecodeError:
        return "Latin-1 (ISO-8859-1)"
    return "Windows-1252 / Latin-1"


_EMPTY_HINTS = {
    "submission": "Write the header and one row per query.",
    "ground truth": "A ground truth needs its header (e.g. 'file_name,caption_1,...,"
    "caption_5') and one row per audio file or query.",
}


def regular_file_size(path: Path, log: FindingLog, max_bytes: int, *, empty_hint: str,
                      name: str = "the file") -> int | None:
    """The size of a non-empty regular file within `max_bytes`, else None with its finding
    (F105, F101, F102). Every reader calls it before opening: a pipe or device would block
    `open()`, has no size to bound and cannot be re-read for line-exact findings."""
    try:
        st = os.stat(path)
    except OSError as exc:
        log.add("F105", f"Cannot read {name}: {exc.strerror}.")
        return None
    label = name[:1].upper() + name[1:]
    if not stat.S_ISREG(st.st_mode):
        log.add("F105", f"{label} is not a regular file (a pipe, a device or a folder).",
                hint="Save the content to a file and give that file.")
        return None
    if st.st_size > max_bytes:
        log.add("F101", f"{label} has {st.st_size:,} bytes, above the limit of {max_bytes:,}.",
                hint="Raise the limit with --max-bytes if the file is genuine.")
        return None
    if st.st_size == 0:
        log.add("F102", f"{label} is empty.", hint=empty_hint)
        return None
    return st.st_size


def check_bytes(
    path: Path, log: FindingLog, max_bytes: int = DEFAULT_MAX_BYTES, *, what: str = "submission"
) -> int | None:
    """Check size, emptiness, NUL bytes and UTF-8 validity without holding the file in memory.

    `what` names the file's role ("submission", "ground truth", "query file", "audio list") in
    hints, so a finding about a ground truth never tells its reader to fix a submission.
    Returns the number of line feeds when the file can be parsed as UTF-8 text, else None.
    """
    size = regular_file_size(path, log, max_bytes, empty_hint=_EMPTY_HINTS.get(
        what, f"Write the {what}'s header and rows."))
    if size is None:
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    # `line` counts line ends as the CSV reader does (LF, CRLF and a lone CR, old Mac files),
    # `feeds` counts line feeds only (what the caller needs); `cr_end`: the last chunk ended in CR
    line, feeds, offset, cr_end = 1, 0, 0, False
    head = b""
    delimiter = ","
    tail: bytes | None = b""  # bytes of the current line before this chunk (None: too long)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                if not head:
                    head = chunk[:4096]
                    header = next((ln for ln in head.splitlines() if ln.strip()), b"")
                    delimiter = sniff_delimiter(header.decode("utf-8", "replace"))
                    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
                        b"\0" in head and _looks_utf16(head)
                    ):
                        log.add(
                            "F104",
                            "The file is not UTF-8.",
                            line=1,
                            column=1,
                            hint=f"It looks like {_guess_encoding(head)}; save it as UTF-8.",
                        )
                        return None
                nul = chunk.find(b"\0")
                if nul >= 0:
                    before = chunk[:nul]
                    log.add(
                        "F103",
                        f"NUL byte at offset {offset + nul:,}: the file is binary, not CSV text.",
                        line=line + _line_ends(before, cr_end),
                        column=_cell_at(tail, before, delimiter),
                        hint=_binary_hint(head, what),
                    )
                    return None
                try:
                    decoder.decode(chunk, final=False)
                except UnicodeDecodeError as exc:
                    bad = exc.start
                    before = chunk[:bad]
                    log.add(
                        "F104",
                        f"Byte 0x{chunk[bad]:02x} at offset {offset + bad:,} is not valid UTF-8.",
                        line=line + _line_ends(before, cr_end),
                        column=_cell_at(tail, before, delimiter),
                        hint=f"It looks like {_guess_encoding(head)}; save it as UTF-8.",
                    )
                    return None
                nl = chunk.count(b"\n")
                feeds += nl
                line += _line_ends(chunk, cr_end, nl)
                cr_end = chunk.endswith(b"\r")
                last_nl = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
                if last_nl >= 0:
                    tail = chunk[last_nl + 1 :]
                elif tail is not None:
                    tail = tail + chunk if len(tail) < _CHUNK else None
                offset += len(chunk)
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                log.add(
                    "F104",
                    "The file ends inside a multi-byte UTF-8 character.",
                    line=line,
                    hint="The file is truncated or not UTF-8; save it again as UTF-8.",
                )
                return None
    except OSError as exc:
        log.add("F105", f"Cannot read the file: {exc.strerror}.")
        return None
    return feeds


def _line_ends(data: bytes, after_cr: bool, lf: int | None = None) -> int:
    """Line ends in `data` (LF, CRLF, lone CR); a leading LF after a CR ends no new line.

    `lf` is the number of LFs in `data` when the caller has counted them already.
    """
    n = data.count(b"\n") if lf is None else lf
    if b"\r" in data:  # CR-free text (the usual case) costs one count
        n += data.count(b"\r") - data.count(b"\r\n")
    return n - 1 if after_cr and data.startswith(b"\n") else n


def sniff_delimiter(first_line: str) -> str:
    """The delimiter a header line seems to use; ',' unless it has none and another one."""
    if "," in first_line:
        return ","
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _scan_cells(text: str, delimiter: str) -> tuple[int, int]:
    """Walk `text` with CSV quoting rules: (cell open at the end, first cell where text follows
    a closing quote or 0). One state machine serves both the C205 and the C207 findings."""
    column, in_quotes, at_field_start, after_quote = 1, False, True, False
    stray = 0
    for ch in text:
        if in_quotes:
            if ch == '"':
                in_quotes, after_quote = False, True
            continue
        if ch == '"' and (at_field_start or after_quote):
            in_quotes = True  # opening quote, or a doubled quote inside a quoted field
        elif ch == delimiter:
            column += 1
            at_field_start, after_quote = True, False
            continue
        elif after_quote and ch not in "\r\n" and not stray:
            stray = column
        at_field_start = after_quote = False
    return column, stray


def _unclosed_quote_column(line_text: str, delimiter: str) -> int:
    """1-based cell number of the field open at the end of `line_text` (quote-aware).

    For a record whose quote is never closed this is the cell that opens it.
    """
    return _scan_cells(line_text, delimiter)[0]


def _cell_at(tail: bytes | None, before: bytes, delimiter: str) -> int:
    """Cell number of a byte, from the bytes of its line before it; 0 when the line is too long.

    `tail` is the part of the line read in earlier chunks, `before` the chunk up to the byte.
    """
    nl = max(before.rfind(b"\n"), before.rfind(b"\r"))
    if nl >= 0:
        prefix = before[nl + 1 :]
    elif tail is None:
        return 0
    else:
        prefix = tail + before
    return _unclosed_quote_column(prefix.decode("utf-8", "replace"), delimiter)


def _text_after_quote_column(record_text: str, delimiter: str) -> int:
    """1-based cell number where text follows a closing quote; 0 if there is none."""
    return _scan_cells(record_text, delimiter)[1]


def _read_line(path: Path, number: int, last: int | None = None) -> str:
    """Physical lines `number`..`last` (default: just `number`) of a UTF-8 file, joined."""
    last = number if last is None else last
    parts: list[str] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for i, text in enumerate(fh, start=1):
            if i >= number:
                parts.append(text)
            if i >= last:
                break
    return "".join(parts)


class _TooWide(Exception):
    """A record's physical lines hold more delimiters than `MAX_CELLS` allows."""


class _CountedLines:
    """The lines of `fh` as `csv.reader` pulls them, counting the delimiters of the record being
    read (`reset` at each record), so an absurd width is refused before the cells exist."""

    def __init__(self, fh: TextIO, delimiter: str, max_cells: int) -> None:
        self.fh, self.delimiter, self.max_cells, self.used = fh, delimiter, max_cells, 0

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        text = next(self.fh)
        self.used += text.count(self.delimiter)
        if self.used >= self.max_cells:
            raise _TooWide
        return text


class CsvFile:
    """A UTF-8 CSV file opened for streaming records; use after `check_bytes` passed."""

    def __init__(self, path: Path, log: FindingLog, max_cells: int = MAX_CELLS) -> None:
        self.path = path
        self.log = log
        self.max_cells = max_cells
        first, line = "", 1
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for number, text in enumerate(fh, start=1):  # the header: the first non-blank line
                if text.strip():
                    first, line = text, number
                    break
        self.delimiter = sniff_delimiter(first)
        if self.delimiter != ",":
            name = _DELIMITERS[self.delimiter]
            log.add(
                "C203",
                f"The header is separated by {name}s, not commas.",
                line=line,
                hint=f"Write the file with ',' as the delimiter (pandas: to_csv(sep=',')); "
                f"it was read with the {name} delimiter to check the rest.",
            )

    def records(self) -> Iterator[Record]:
        """Non-blank records in file order; malformed quoting becomes a finding, never an error."""
        fh: TextIO
        with open(self.path, encoding="utf-8-sig", newline="") as fh:
            lines = _CountedLines(fh, self.delimiter, self.max_cells)
            reader = csv.reader(lines, delimiter=self.delimiter, strict=True)
            last = 0
            while True:
                lines.used = 0
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except _TooWide:
                    self.log.add(
                        "C212",
                        f"The record starting here holds more than {self.max_cells:,} cells; "
                        "reading stopped.",
                        line=last + 1,
                        hint="A submission has k+1 columns and a score matrix one per audio "
                        "file: check the delimiter and the line ends. For a very wide matrix, "
                        "save it as .npy/.npz.",
                    )
                    return
                except csv.Error as exc:
                    start = last + 1
                    text = str(exc)
                    if "unexpected end of data" in text:
                        col = _unclosed_quote_column(_read_line(self.path, start), self.delimiter)
                        self.log.add(
                            "C205",
                            "A quoted field opens here and is never closed; the rest of the "
                            "file was swallowed into it.",
                            line=start,
                            column=col,
                            hint='Close the quote, or double a quote inside a field ("").',
                        )
                        return
                    col = 0
                    if self.log.counts["C207"] < _MAX_REREAD:  # each costs a re-read
                        col = _text_after_quote_column(
                            _read_line(self.path, start, reader.line_num), self.delimiter)
                    self.log.add(
                        "C207",
                        f"Malformed quoting: {text}.",
                        line=start,
                        column=col,
                        hint='Quote the whole field and double any quote inside it ("").',
                    )
                    last = reader.line_num
                    continue
                line, last = last + 1, reader.line_num
                if cells and not (len(cells) == 1 and not cells[0].strip()):
                    yield Record(line, cells)
