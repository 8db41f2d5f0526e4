"""Bytes and files: byte-safe CSV reading with line numbers, the Arrow fast path for large clean
files, and atomic writes that never replace an input.

May import: the shared vocabulary (`findings`, `errors`). Never rich or click.
"""
