"""The floor a large run is compared with: read the submission and the ground truth with
pyarrow's multi-threaded CSV reader and nothing else (no checks, no interning, no scoring).

    python arrow_floor.py SUBMISSION GT
"""

from __future__ import annotations

import sys

import pyarrow as pa
import pyarrow.csv as pacsv


def read(path: str) -> int:
    with open(path, encoding="utf-8-sig") as fh:
        names = next(iter(fh)).rstrip("\r\n").split(",")
    table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names}))
    return int(table.num_rows)


if __name__ == "__main__":
    print(read(sys.argv[1]), read(sys.argv[2]))
