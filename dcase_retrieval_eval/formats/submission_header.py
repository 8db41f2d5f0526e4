"""How a submission CSV spells itself: the header spellings of the top-k and matrix formats,
the format a header (and the first row) indicates, the findings of a top-k header, and the
syntax of a score cell.

Kept apart from the readers (`submission.py`) because the Arrow fast path, the line-exact
reader and the Codabench pages all follow the same spellings.
"""

from __future__ import annotations

import re
from typing import Literal

from ..findings import FindingLog
from ..io.csvread import Record
from .submission_model import SubmissionFormat

#: A ranked-file column of either spelling, its position captured.
FILE_COLUMN = re.compile(r"^(?:file_name|fname)_(\d+)$")
#: The two spellings of the ranked-file columns; both occur in real submissions.
FILE_COLUMN_PREFIXES = ("file_name", "fname")
#: Accepted names of a score matrix's query column: pandas' `index`, an unnamed index (empty),
#: or the column's own name.
MATRIX_QUERY_COLUMNS = ("index", "", "caption", "query")

#: A score as NumPy, pandas and Python write one: ASCII digits, an optional sign, point and
#: exponent. Python's float() also takes '1_000', ' 1.5 ' and non-ASCII digits; they are refused.
#: NaN and infinity spellings are numbers here and reported as not finite (M502).
_NUMBER = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?(?i:nan|inf|infinity)"
_NUMBER_CELL = re.compile(rf"(?:{_NUMBER})\Z")
NUMBER_ROW = re.compile(rf"(?:(?:{_NUMBER})\0)*\Z")  # cells joined by NUL (never in a cell)


def is_file_column(cell: str, position: int) -> bool:
    """Whether a header cell names ranked position `position` (`file_name_N` or `fname_N`)."""
    return cell in (f"{prefix}_{position}" for prefix in FILE_COLUMN_PREFIXES)


#: The first header cells that pandas writes for an index without a name: `""` (to_csv of a
#: frame indexed by the captions) and `Unnamed: 0` (such a file read back, then written with
#: index=False).
UNNAMED_CELLS = ("", "Unnamed: 0")


def topk_spelling(cells: list[str]) -> Literal["named", "unnamed", "integers"] | None:
    """How a header names a top-k file's columns, or None when it is no top-k header:
    - "named": `caption` then `file_name_1..k` (or `fname_N`), the official header;
    - "unnamed": an unnamed first cell (`UNNAMED_CELLS`) then the ranked columns: a frame with
      the captions as its index (`DataFrame(rows, index=captions).to_csv()`). The official 2022
      script takes column 0 as the caption whatever its header says;
    - "integers": exactly `0,1,...,k`, a frame's default column names (the 2023 baseline's
      `pd.DataFrame(data=results).to_csv(index=False)` on rows `[caption, f1, ..., fk]`).
    The last two are read by position, caption first, with a warning naming the spelling."""
    if len(cells) < 2:
        return None
    if all(is_file_column(c, i) for i, c in enumerate(cells[1:], start=1)):
        if cells[0] == "caption":
            return "named"
        if cells[0] in UNNAMED_CELLS:
            return "unnamed"
    if cells == [str(i) for i in range(len(cells))]:
        return "integers"
    return None


def spelling_finding(log: FindingLog, spelling: str | None, cells: list[str],
                      line: int) -> None:
    """The warning that a positional header spelling was read (nothing for the official one)."""
    depth = len(cells) - 1
    header = f"'caption,file_name_1,...,file_name_{depth}'"
    if spelling == "unnamed":
        log.add("C209", f"The first header cell is {cells[0]!r} (pandas' unnamed index) before "
                "the ranked columns: it was read as the caption column.", line=line, column=1,
                hint=f"Name it 'caption' (pandas: df.rename_axis('caption').to_csv(path)), so "
                f"that the header is {header}.")
    elif spelling == "integers":
        log.add("C210", f"The header is '0,1,...,{depth}' (pandas' default column names): it "
                f"was read by position, the caption first, then ranked files 1 to {depth}.",
                line=line, hint=f"Write the header {header} (pandas: "
                "to_csv(path, header=['caption', 'file_name_1', ...], index=False)).")


def header_kind(cells: list[str], first_row: list[str] | None,
                 ) -> tuple[SubmissionFormat | None, int]:
    """(format, index of the query column) a header (and the first data row) suggest."""
    if topk_spelling(cells) is not None:
        return "topk", 0
    low = [c.strip().lower() for c in cells]
    offset = 1 if low and low[0] in ("", "unnamed: 0") and len(low) > 1 else 0
    rest = low[offset:]
    if rest and rest[0] == "index":
        return "matrix", offset
    if len(rest) > 1 and all(FILE_COLUMN.match(c) for c in rest[1:]):
        return "topk", offset  # `caption,file_name_1,...` or ranked columns under any query name
    if any(FILE_COLUMN.match(c) for c in low):
        return None, 0
    # no ranked-file column: a matrix when its first row holds scores (or its first cell is
    # blank, as pandas writes an index header)
    scores = first_row is not None and len(first_row) > offset + 1 and all(
        is_number(c) for c in first_row[offset + 1:])
    if offset and rest[0] in ("caption", "query") and scores:
        return "matrix", offset  # a pandas index written before a named query column
    if low[:1] == [""] and len(low) > 2:
        return "matrix", 0
    if len(low) > 1 and scores:
        return "matrix", 0  # the first cell names the query column; checked by the reader
    return None, 0


def looks_like_data(cells: list[str]) -> bool:
    return any(c.lower().endswith((".wav", ".flac", ".mp3")) for c in cells[1:])


def check_topk_header(header: Record, offset: int, log: FindingLog) -> list[Record]:
    """The findings of a top-k header; `[header]` when the first line is data (then read as the
    first row), else `[]`."""
    cells = header.cells
    low = [c.strip().lower() for c in cells]
    rows_first: list[Record] = []
    if offset:
        log.add(
            "C202",
            f"The first header cell is {cells[0]!r}: the file has an extra first column.",
            line=header.line,
            column=1,
            hint="It looks like a pandas index column: write with to_csv(index=False). "
            "The column was ignored to check the rest.",
        )
    expected = ["caption"] + [f"file_name_{i}" for i in range(1, len(cells) - offset)]
    # exact names (the organizers' scripts select columns by name); fname_N equals file_name_N;
    # pandas' positional spellings are read with a warning
    spelling = topk_spelling(cells[offset:])
    if not offset:
        spelling_finding(log, spelling, cells, header.line)
    if spelling is None or offset and spelling != "named":
        if looks_like_data(cells) or low[offset:offset + 1] != ["caption"] and not any(
            FILE_COLUMN.match(c) for c in low
        ):
            hint = "Start the file with 'caption,file_name_1,...,file_name_10'."
            if low[:2] in (["file_name", "caption_1"], ["query", "audio_filenames"]):
                hint = "This looks like a ground-truth file, not a system output. " + hint
            log.add("C201", "The first line is data, not the header.", line=header.line,
                    hint=hint)
            rows_first = [header]
        else:
            for col, (got, want) in enumerate(zip(cells[offset:], expected, strict=True),
                                               start=offset + 1):
                position = col - offset - 1
                if got != want and not (position and is_file_column(got, position)):
                    spelled = (f"{want!r} or 'fname_{position}'" if position else repr(want))
                    hint = f"Name it {spelled}."
                    if got.strip().lower() in (want, f"fname_{position}"):
                        hint = f"Write exactly {spelled} (case and spaces matter)."
                    log.add("C202", f"Header cell {got!r} should be {spelled}.",
                            line=header.line, column=col, hint=hint)
    return rows_first


def is_number(text: str) -> bool:
    """Plain decimal or scientific notation (or a NaN/infinity spelling), nothing else."""
    return _NUMBER_CELL.match(text) is not None
