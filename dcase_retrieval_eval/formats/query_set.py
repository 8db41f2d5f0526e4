"""What a participant without the ground truth has: the queries of a query file and the audio
set, a folder of the evaluation files or a list of their names.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from ..findings import FindingLog
from ..io.csvread import DEFAULT_MAX_BYTES, CsvFile, check_bytes
from .ground_truth import AUDIO_SUFFIXES, QuerySet
from .ground_truth_rows import detect_format


def load_query_set(
    queries_path: str | Path,
    *,
    audio_dir: str | Path | None = None,
    audio_list: str | Path | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> QuerySet:
    """Queries from a CSV with a `caption` column (or a Clotho captions CSV) and an audio set."""
    path = Path(queries_path)
    log = FindingLog(str(path))
    queries: dict[str, int] = {}
    audio: list[str] = []
    if check_bytes(path, log, max_bytes, what="query file") is not None:
        records = CsvFile(path, log).records()
        header = next(records, None)
        low = [h.strip().lower() for h in header.cells] if header else []
        if header is not None and detect_format(header.cells) == "clotho":
            for rec in records:
                audio.append(rec.cells[0])
                for caption in rec.cells[1:]:
                    if caption.strip():
                        queries.setdefault(caption, rec.line)
        elif "caption" in low or "query" in low or "raw_text" in low:
            name = next(n for n in ("raw_text", "caption", "query") if n in low)
            col = low.index(name)
            for rec in records:
                if col < len(rec.cells) and rec.cells[col].strip():
                    queries.setdefault(rec.cells[col], rec.line)
        else:
            log.add("G605", "The query file has no 'caption' column.",
                    line=header.line if header else 0,
                    hint="Give a CSV with a 'caption' column, one query per row.")
    if not queries and not log.counts:
        log.add("G606", "The query file holds no query.")
    findings = log.sorted()
    if log.errors:
        raise InputError(f"{path} is not a usable query set", findings)
    listed = load_audio_set(audio_dir, audio_list)
    return QuerySet(
        queries=list(queries),
        audio=audio if listed is None else listed,
        source=str(path),
        query_lines=list(queries.values()),
        findings=findings,
    )


def list_audio_dir(directory: str | Path) -> list[str]:
    """File names of the audio files directly inside a folder, sorted."""
    folder = Path(directory)
    return sorted(
        p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() in AUDIO_SUFFIXES
    )


def read_audio_list(path: str | Path) -> list[str]:
    """Audio file names from a text file (one per line) or a CSV with a `file_name` column."""
    path = Path(path)
    log = FindingLog(str(path))
    if check_bytes(path, log, DEFAULT_MAX_BYTES, what="audio list") is None:
        raise InputError(f"{path} is not a usable audio list", log.sorted())
    records = list(CsvFile(path, log).records())
    if records and [c.strip().lower() for c in records[0].cells][:1] == ["file_name"]:
        return [r.cells[0] for r in records[1:] if r.cells and r.cells[0]]
    text = path.read_text(encoding="utf-8-sig")
    return [ln for ln in text.splitlines() if ln.strip()]


def load_audio_set(audio_dir: str | Path | None = None,
                   audio_list: str | Path | None = None) -> list[str] | None:
    """The audio set of a folder (`--audio-dir`) or of a list file (`--audio-list`); None when
    neither is given. The folder wins when both are: the commands that take both refuse that
    before reading."""
    if audio_dir is not None:
        return list_audio_dir(audio_dir)
    if audio_list is not None:
        return read_audio_list(audio_list)
    return None
