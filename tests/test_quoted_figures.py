"""Each measured figure is quoted in one place, the benchmarks' journal (benchmarks/README.md):
the other pages describe what is measured and link there, so that no two pages give different
numbers for the same measurement. The README's headline table is the journal's, verbatim."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import ROOT

JOURNAL = ROOT / "benchmarks" / "README.md"

#: A sentence quoting a measurement: a speed ratio, a duration something takes, a peak memory.
#: Figures that are definitions (a 30 s crop, clips of 8 s, 64 MB in flight) do not match.
MEASURED = re.compile(
    r"\b\d[\d,]*(?:\.\d+)?\s?(?:x|times)\s+(?:real[- ]time|faster|slower|less|more)\b"
    r"|\b(?:takes?|took|taking|runs? in|ran in|finishe[sd] in)\s+(?:about\s+|only\s+|roughly\s+"
    r"|under\s+|up to\s+)?\d[\d,]*(?:\.\d+)?\s?(?:ms|s|min|minutes|seconds|h|hours)\b"
    r"|\bpeak (?:memory|RSS|resident)[^.|]{0,40}?\d[\d,.]*\s?(?:KB|MB|MiB|GB|GiB)\b"
    r"|\b\d[\d,]*(?:\.\d+)?\s?(?:ms|s|min)\s+of\s+(?:wall|training|tests)\b"
    r"|\bspeed-?up of\s+\d"
    r"|\b(?:about|roughly|around|under|within)\s+(?:a|one|\d[\d,]*(?:\.\d+)?)\s?"
    r"(?:ms|s|min|minutes?|seconds?|hours?)\s+(?:to|on|per|for)\b",
    re.IGNORECASE)


def pages() -> list[Path]:
    found = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    return [p for p in found if p.is_file()]


def _fenced(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def measured_figures(text: str) -> list[str]:
    """The measured figures quoted in `text` outside code blocks, line breaks read as spaces."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    return [m.group() for m in MEASURED.finditer(" ".join(prose.split()))]


def test_the_pattern_sees_the_figures_that_were_quoted_twice() -> None:
    assert measured_figures("31 systems x 1,000 queries take about 1.2 s for the whole") \
        == ["take about 1.2 s"]
    assert measured_figures("the tests, some 290\ntimes faster than a loop") == ["290 times faster"]
    assert measured_figures("feature extraction at about 1,400x real time") == ["1,400x real time"]
    assert measured_figures("in 21 min 49 s of wall time, peak memory 1.1 GB")
    assert measured_figures("45 minutes of audio, about 10 s to generate") == ["about 10 s to"]
    assert measured_figures("an epoch well under a minute on two cores") == ["under a minute on"]
    assert measured_figures("clips of 8 s, a 30 s crop, 64 MB in flight, 10x chance") == []


def test_no_page_but_the_journal_quotes_a_measured_figure() -> None:
    quoted = {p.relative_to(ROOT).as_posix(): measured_figures(p.read_text(encoding="utf-8"))
              for p in pages()}
    assert {page: figures for page, figures in quoted.items() if figures} == {}
    assert measured_figures(JOURNAL.read_text(encoding="utf-8"))  # the journal holds them


def test_the_readme_headline_table_is_the_journals() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Benchmarks"):]
    tables = _fenced(section)
    assert tables, "the README's Benchmarks section has no table"
    journal_tables = _fenced(JOURNAL.read_text(encoding="utf-8"))
    for table in tables:
        assert table in journal_tables, "a README benchmark table differs from the journal's"
    assert "benchmarks/README.md" in section
