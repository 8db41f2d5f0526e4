"""`dcase-eval synth` and `dcase-eval baseline ...`: thin commands over the baseline package.

The baseline needs torch and gensim, which the core does not: everything from
`dcase_retrieval_baseline` is imported inside the command functions, so `dcase-eval
validate/score` never loads them, and a missing extra is reported with the install command
instead of a traceback. Every command runs inside `_guarded`: bad input is one line and exit 2,
Ctrl-C is exit 130, and library warnings are one line each.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .exits import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_USAGE, Terminated
from .options import SEED

if TYPE_CHECKING:
    from rich.console import Console

EXTRA_MODULES = ("torch", "gensim", "matplotlib")
INSTALL_HINT = (
    'The baseline needs the "baseline" extra (torch, gensim, matplotlib):\n'
    '    pip install ".[baseline]"\n'
    "(GPU users: install the CUDA torch wheel from pytorch.org first; see docs/baseline.md.)"
)
#: clip lengths `synth` accepts (Clotho's clips last 15-30 s); `synth.MAX_SECONDS` agrees
CLIP_SECONDS = click.FloatRange(0.5, 60.0)
MAX_CLIPS = 100_000


def missing_extra() -> list[str]:
    """Names of the baseline's optional dependencies that are not installed."""
    return [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]


def _require_extra() -> None:
    missing = missing_extra()
    if missing:
        click.echo(f"error: {', '.join(missing)} not installed.\n{INSTALL_HINT}", err=True)
        sys.exit(EXIT_USAGE)


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(code)


def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: Any = None, line: str | None = None) -> None:
    """A library warning as one line, without the source line Python would print."""
    click.echo(f"warning: {' '.join(str(message).split())}", err=True)


@contextlib.contextmanager
def _guarded(interrupted: str = "interrupted") -> Iterator[None]:
    """Bad input -> one line, exit 2; Ctrl-C -> exit 130; warnings -> one line each."""
    from dcase_retrieval_baseline.errors import BaselineError

    from ..errors import OutputError

    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            yield
        except KeyboardInterrupt:
            click.echo(f"\n{interrupted}", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except Terminated as exc:  # SIGTERM: the same clean-up and the same remedy, exit 143
            click.echo(f"\n{interrupted.replace('interrupted', 'terminated', 1)}", err=True)
            exc.reported = True
            raise
        except (BaselineError, OutputError) as exc:
            code = EXIT_INVALID if type(exc).__name__ == "InvalidSubmission" else EXIT_USAGE
            _fail(str(exc), code)
        except OSError as exc:  # a path the user gave that cannot be read or written
            where = f"{exc.filename}: " if exc.filename is not None else ""
            _fail(f"{where}{exc.strerror or exc}; check the path and its permissions")


def _console() -> Console:
    """The toolkit's console (user text never read as markup), one line per message."""
    from ..report.console import make_console

    console = make_console(stderr=True)
    console.soft_wrap = True
    return console


def _parse_clips(_ctx: Any, _param: Any, value: str) -> tuple[int, int, int]:
    try:
        parts = [int(p) for p in value.split(",")]
    except ValueError:
        raise click.BadParameter("give N or DEV,VAL,EVAL (positive integers)") from None
    if len(parts) == 1:
        parts *= 3
    if len(parts) != 3 or min(parts) < 1 or max(parts) > MAX_CLIPS:
        raise click.BadParameter(f"give N or DEV,VAL,EVAL (integers from 1 to {MAX_CLIPS:,})")
    return parts[0], parts[1], parts[2]


@click.command("synth")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--clips-per-split", default="240,60,120", show_default=True,
              callback=_parse_clips,
              help="Clips per split: N for all three, or DEV,VAL,EVAL.")
@click.option("--seed", default=0, show_default=True, type=SEED)
@click.option("--min-seconds", default=5.0, show_default=True, type=CLIP_SECONDS,
              help="Shortest clip.")
@click.option("--max-seconds", default=8.0, show_default=True, type=CLIP_SECONDS,
              help="Longest clip.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def synth_command(out_dir: Path, clips_per_split: tuple[int, int, int], seed: int,
                  min_seconds: float, max_seconds: float, quiet: bool) -> None:
    """Write a synthetic challenge in the Clotho layout to OUT_DIR (numpy and scipy only)."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn

    from dcase_retrieval_baseline.progress import progress_bar
    from dcase_retrieval_baseline.synth import synthesize

    if min_seconds > max_seconds:
        raise click.BadParameter("--min-seconds is above --max-seconds", param_hint="--min-seconds")
    console = _console()
    columns = (TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn())
    with _guarded(f"interrupted; nothing was written to {out_dir}"):
        try:
            with progress_bar(console, *columns, show=not quiet) as bar:
                task = bar.add_task("clips", total=sum(clips_per_split))
                summary = synthesize(out_dir, clips_per_split, seed, (min_seconds, max_seconds),
                                     on_clip=lambda _split: bar.advance(task))
        except (FileExistsError, ValueError) as exc:
            _fail(str(exc))
            return
    counts = ", ".join(f"{n} {s}" for s, n in summary.clips.items())
    click.echo(f"wrote {counts} clips ({summary.seconds / 60:.1f} min of audio) to {out_dir}")


@click.group("baseline")
def baseline_group() -> None:
    """The reference baseline (CRNN + Word2Vec + triplet loss); needs the "baseline" extra."""


_data = click.option("--data", "data_dir", required=True,
                     type=click.Path(exists=True, file_okay=False, path_type=Path),
                     help="Clotho-layout folder (captions CSVs and split folders).")
_cache = click.option("--cache", "cache_dir", default=None,
                      type=click.Path(file_okay=False, path_type=Path),
                      help="Feature cache folder [default: DATA/baseline_features].")
_config = click.option("--config", "config_file", default=None,
                       type=click.Path(exists=True, dir_okay=False, path_type=Path),
                       help="YAML file overriding hyperparameters (see docs/baseline.md).")
_quiet = click.option("--quiet", is_flag=True, help="No progress bars.")


@baseline_group.command("features")
@_data
@_cache
@_config
@_quiet
def features_command(data_dir: Path, cache_dir: Path | None, config_file: Path | None,
                     quiet: bool) -> None:
    """Compute and cache the log mel-band energies of every split present in DATA."""
    _require_extra()
    from dcase_retrieval_baseline import SPLITS
    from dcase_retrieval_baseline.config import load_config
    from dcase_retrieval_baseline.features import split_features

    console = _console()
    with _guarded("interrupted; finished splits are cached, rerun to compute the rest"):
        cfg = load_config(config_file)
        splits = [s for s in SPLITS if (data_dir / s).is_dir()]
        if not splits:
            _fail(f"{data_dir} has none of the folders {', '.join(SPLITS)}")
        for split in splits:
            sf = split_features(data_dir, split, cfg.features, cache_dir, console, not quiet)
            click.echo(f"{split}: {len(sf.names)} clips, {sf.seconds / 60:.1f} min, "
                       f"{len(sf.skipped)} skipped")


@baseline_group.command("train")
@_data
@click.option("--out", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: checkpoints, log.csv, loss.png. Rerun to resume.")
@_config
@click.option("--word2vec", default=None, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Word vectors in word2vec binary or text format (told apart by content).")
@_cache
@_quiet
def train_command(data_dir: Path, run_dir: Path, config_file: Path | None,
                  word2vec: Path | None, cache_dir: Path | None, quiet: bool) -> None:
    """Train the baseline on DATA's development split, validating on its validation split."""
    _require_extra()
    from dcase_retrieval_baseline.config import load_config
    from dcase_retrieval_baseline.train import train

    with _guarded(f"interrupted; run the same command again to resume from {run_dir}/last.pt"):
        cfg = load_config(config_file)
        console = _console()
        result = train(data_dir, run_dir, cfg, word2vec, cache_dir, console, not quiet)
    click.echo(f"{run_dir}: {result.summary()} ({result.reason})")


@baseline_group.command("predict")
@click.option("--run", "run_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Run folder written by `baseline train`.")
@_data
@click.option("--split", default="evaluation", show_default=True,
              type=click.Choice(["development", "validation", "evaluation"]))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Submission CSV to write (outside RUN and DATA).")
@click.option("--word2vec", default=None, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Word vectors to use instead of the run's own.")
@_cache
@_quiet
def predict_command(run_dir: Path, data_dir: Path, split: str, out_file: Path,
                    word2vec: Path | None, cache_dir: Path | None, quiet: bool) -> None:
    """Rank the split's clips for each of its captions and write the validated top-10 CSV."""
    _require_extra()
    from dcase_retrieval_baseline.predict import predict

    with _guarded(f"interrupted; {out_file} was not written"):
        predict(run_dir, data_dir, split, out_file, 10, word2vec, cache_dir,
                _console(), not quiet)


if __name__ == "__main__":  # for use before the main `dcase-eval` group includes these commands
    @click.group()
    def _cli() -> None:
        """Baseline commands only."""

    _cli.add_command(synth_command)
    _cli.add_command(baseline_group)
    _cli()
