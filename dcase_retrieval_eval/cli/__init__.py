"""The `dcase-eval` command line: thin click commands, one module per command group.

`main.py` holds the group and the core commands (validate, score, codes, demo), `rank.py` the
organizer's ranking, `baseline.py` the reference system's commands. Nothing here computes: every
command parses options, calls the Python API and hands the result to a renderer in `report/`.
"""

from .main import main, run

__all__ = ["main", "run"]
