"""A fast path for large, clean top-k files, read by Apache Arrow's multithreaded CSV parser.

Arrow keeps no line numbers, so this path is taken only when they can be derived: every record
is one physical line (the line-feed count equals the record count), the header is exactly
`caption` then the ranked-file columns (`file_name_N` or `fname_N`, checked by the caller), and
no cell is empty. Any doubt returns None and the caller uses the
line-exact `csv` reader, which reports every defect with its line. Both paths build the same
`Submission`; a test holds them equal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

#: Files smaller than this take the `csv` reader: Arrow's import costs more than it saves.
FAST_PATH_MIN_BYTES = 32 << 20


def read_clean_topk(
    path: Path, columns: list[str], line_feeds: int
) -> tuple[list[str], list[str], npt.NDArray[np.int32]] | None:
    """(queries, names, ranks) of a clean top-k file with header `columns`, or None when the
    slow path must decide."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv
    except ImportError:
        return None
    width = len(columns)
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, ValueError):
        return None
    n = table.num_rows
    if table.column_names != columns or line_feeds not in (n, n + 1):
        return None
    for name in columns:
        if table.column(name).null_count or pc.min(pc.utf8_length(table.column(name))).as_py() == 0:
            return None
    files = pa.chunked_array([chunk for c in columns[1:] for chunk in table.column(c).chunks])
    unique = pc.unique(files)
    ids = pc.index_in(files, value_set=unique).to_numpy(zero_copy_only=False)
    ranks = np.ascontiguousarray(ids.astype(np.int32).reshape(width - 1, n).T)
    return table.column("caption").to_pylist(), unique.to_pylist(), ranks
