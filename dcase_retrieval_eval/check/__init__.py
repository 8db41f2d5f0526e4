"""Submission x QuerySet -> findings: the validator's rules, and a whole package's check.

May import: the shared vocabulary, `io/` and `formats/`. Never rich or click.
"""
