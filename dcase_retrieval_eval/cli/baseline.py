"""`dcase-eval synth` and `dcase-eval baseline ...`: thin commands over the `baseline` package.

The baseline needs torch and gensim, which the core does not: everything from `baseline` is
imported inside the command functions, so `dcase-eval validate/score` never loads them, and a
missing extra is reported with the install command instead of a traceback.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import click

from .options import SEED

EXTRA_MODULES = ("torch", "gensim", "matplotlib")
INSTALL_HINT = (
    'The baseline needs the "baseline" extra (torch, gensim, matplotlib):\n'
    '    pip install ".[baseline]"\n'
    "(GPU users: install the CUDA torch wheel from pytorch.org first; see docs/baseline.md.)"
)
EXIT_USAGE = 2
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


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _user_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean bad input (reported in one line), not a bug."""
    import yaml

    errors: list[type[BaseException]] = [FileNotFoundError, FileExistsError, NotADirectoryError,
                                         PermissionError, ValueError, yaml.YAMLError]
    try:
        from dcase_retrieval_baseline.train import RunMismatchError

        errors.append(RunMismatchError)
    except ImportError:
        pass
    return tuple(errors)


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
def synth_command(out_dir: Path, clips_per_split: tuple[int, int, int], seed: int,
                  min_seconds: float, max_seconds: float) -> None:
    """Write a synthetic challenge in the Clotho layout to OUT_DIR (numpy and scipy only)."""
    from dcase_retrieval_baseline.synth import synthesize
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..report.console import make_console

    if min_seconds > max_seconds:
        raise click.BadParameter("--min-seconds is above --max-seconds", param_hint="--min-seconds")
    console = make_console(stderr=True)
    columns = (TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn())
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task("clips", total=sum(clips_per_split))
            summary = synthesize(out_dir, clips_per_split, seed, (min_seconds, max_seconds),
                                 on_clip=lambda _split: bar.advance(task))
    except (FileExistsError, ValueError, OSError) as exc:
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

    from ..report.console import make_console

    console = make_console(stderr=True)
    try:
        cfg = load_config(config_file)
        splits = [s for s in SPLITS if (data_dir / s).is_dir()]
        if not splits:
            _fail(f"{data_dir} has none of the folders {', '.join(SPLITS)}")
        for split in splits:
            sf = split_features(data_dir, split, cfg.features, cache_dir, console, not quiet)
            click.echo(f"{split}: {len(sf.names)} clips, {sf.seconds / 60:.1f} min, "
                       f"{len(sf.skipped)} skipped")
    except _user_errors() as exc:
        _fail(str(exc))


@baseline_group.command("train")
@_data
@click.option("--out", "run_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Run folder: checkpoints, log.csv, loss.png. Rerun to resume.")
@_config
@click.option("--word2vec", default=None, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Word vectors in word2vec binary/text format (e.g. Google News).")
@_cache
@_quiet
def train_command(data_dir: Path, run_dir: Path, config_file: Path | None,
                  word2vec: Path | None, cache_dir: Path | None, quiet: bool) -> None:
    """Train the baseline on DATA's development split, validating on its validation split."""
    _require_extra()
    from dcase_retrieval_baseline.config import load_config
    from dcase_retrieval_baseline.train import train

    from ..report.console import make_console

    try:
        cfg = load_config(config_file)
        result = train(data_dir, run_dir, cfg, word2vec, cache_dir, make_console(stderr=True),
                       not quiet)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted; run the same command again to resume from {run_dir}/last.pt",
                   err=True)
        sys.exit(130)
    except _user_errors() as exc:
        _fail(str(exc))
        return
    click.echo(f"{run_dir}: best validation loss {result.best_val_loss:.4f} at epoch "
               f"{result.best_epoch} of {result.epochs} ({result.reason})")


@baseline_group.command("predict")
@click.option("--run", "run_dir", required=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Run folder written by `baseline train`.")
@_data
@click.option("--split", default="evaluation", show_default=True,
              type=click.Choice(["development", "validation", "evaluation"]))
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Submission CSV to write (caption,file_name_1..file_name_10).")
@click.option("--word2vec", default=None, type=click.Path(exists=True, dir_okay=False,
                                                          path_type=Path),
              help="Word vectors to use instead of the run's own.")
@_cache
@_quiet
def predict_command(run_dir: Path, data_dir: Path, split: str, out_file: Path,
                    word2vec: Path | None, cache_dir: Path | None, quiet: bool) -> None:
    """Rank the split's clips for each of its captions and write the top-10 CSV."""
    _require_extra()
    from dcase_retrieval_baseline.predict import predict

    from ..report.console import make_console

    try:
        predict(run_dir, data_dir, split, out_file, 10, word2vec, cache_dir,
                make_console(stderr=True), not quiet)
    except _user_errors() as exc:
        _fail(str(exc))


if __name__ == "__main__":  # for use before the main `dcase-eval` group includes these commands
    @click.group()
    def _cli() -> None:
        """Baseline commands only."""

    _cli.add_command(synth_command)
    _cli.add_command(baseline_group)
    _cli()
