"""Renderers: turn reports into terminal tables, JSON, CSV and per-query files."""
