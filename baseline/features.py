"""Log mel-band energies of every WAV file of a split, computed once and cached.

numpy and scipy only: the filterbank is written here, WAV files are read with scipy.io.wavfile and
resampled with scipy.signal.resample_poly to one rate. A file that cannot be read is reported by
name and skipped, so one broken download does not stop a day-long extraction.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.fft
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.text import Text
from scipy.io import wavfile
from scipy.signal import resample_poly

from dcase_retrieval_eval.io.atomic import OutputError as CoreOutputError
from dcase_retrieval_eval.io.atomic import atomic_path

from .config import FeatureConfig
from .errors import DataError, OutputError
from .progress import progress_bar

F32 = npt.NDArray[np.float32]
CACHE_VERSION = 2  # 2: unusable clips (absurd rates, huge samples) are skipped


class AudioReadError(Exception):
    """A WAV file that cannot be decoded."""


def hz_to_mel(f: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """HTK mel scale."""
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m: npt.ArrayLike) -> npt.NDArray[np.float64]:
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> F32:
    """Triangular filters (n_mels, n_fft // 2 + 1), equally spaced on the mel scale, peak 1."""
    fmax = sr / 2 if fmax is None else fmax
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    bins = np.linspace(0.0, sr / 2, n_fft // 2 + 1)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rise = (bins[None, :] - lower) / np.maximum(centre - lower, 1e-9)
    fall = (upper - bins[None, :]) / np.maximum(upper - centre, 1e-9)
    return np.maximum(0.0, np.minimum(rise, fall)).astype(np.float32)


def frame_count(n_samples: int, cfg: FeatureConfig) -> int:
    """Frames for a signal of n_samples at cfg.sample_rate: centred frames, 1 + n // hop."""
    return 1 + n_samples // hop_length(cfg)


def hop_length(cfg: FeatureConfig) -> int:
    return int(round(cfg.hop_seconds * cfg.sample_rate))


def window_length(cfg: FeatureConfig) -> int:
    return int(round(cfg.window_seconds * cfg.sample_rate))


class LogMel:
    """Log mel-band energies with a fixed filterbank and window (built once, reused per file)."""

    def __init__(self, cfg: FeatureConfig) -> None:
        self.cfg = cfg
        self.win = window_length(cfg)
        self.hop = hop_length(cfg)
        self.window = np.hanning(self.win + 2)[1:-1].astype(np.float32)  # no zero end points
        self.fb = mel_filterbank(cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.fmin, cfg.fmax).T

    def __call__(self, x: npt.NDArray[np.floating]) -> F32:
        """(frames, n_mels) float32 for a mono signal at cfg.sample_rate.

        Frames are transformed in blocks of FRAMES_PER_BLOCK so that an hour-long clip needs
        the memory of its signal and its features, not of all its FFT frames at once.
        """
        x = np.asarray(x, dtype=np.float32)
        half = self.win // 2
        mode = "reflect" if x.size > half else "constant"
        padded = np.pad(x, (half, half), mode=mode)  # type: ignore[call-overload]
        padded = np.concatenate([padded, np.zeros(self.win, np.float32)])  # room for the strides
        n = frame_count(x.size, self.cfg)
        frames = np.lib.stride_tricks.as_strided(
            padded, shape=(n, self.win), strides=(padded.strides[0] * self.hop, padded.strides[0])
        )
        out = np.empty((n, self.fb.shape[1]), np.float32)
        for start in range(0, n, FRAMES_PER_BLOCK):
            block = frames[start:start + FRAMES_PER_BLOCK]
            spec = scipy.fft.rfft(block * self.window, n=self.cfg.n_fft, axis=1)
            power = (spec.real**2 + spec.imag**2).astype(np.float32)
            out[start:start + block.shape[0]] = np.log(np.maximum(power @ self.fb, 1e-10))
        return out


MIN_RATE, MAX_RATE = 1_000, 768_000
MAX_ABS_SAMPLE = 1_000.0  # float WAVs are nominally within [-1, 1]; 60 dB above that is broken
FRAMES_PER_BLOCK = 4096  # frames per FFT block: bounds the memory of a long clip


def read_wav(path: Path, target_rate: int, max_seconds: float = math.inf,
             notes: list[str] | None = None) -> F32:
    """Mono float samples in [-1, 1] at target_rate; AudioReadError for anything unusable.

    Unusable: undecodable, no samples, a sample rate outside [1 kHz, 768 kHz] (a header claiming
    0 or 1 Hz), longer than `max_seconds`, non-finite samples, or float samples far beyond full
    scale (their energies overflow). Warnings of the WAV reader (skipped chunks, a truncated
    data chunk) are appended to `notes` as one line each instead of reaching the terminal.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            rate, data = wavfile.read(path)
        except Exception as exc:  # scipy raises ValueError, EOFError, struct.error, OSError...
            raise AudioReadError(_one_line(f"{type(exc).__name__}: {exc}")) from None
    if notes is not None:
        notes.extend(_one_line(str(w.message)) for w in caught)
    if data.size == 0:
        raise AudioReadError("no samples")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioReadError(f"the header says {rate} Hz, outside {MIN_RATE}..{MAX_RATE} Hz")
    seconds = data.shape[0] / rate
    if seconds > max_seconds:
        raise AudioReadError(f"{seconds:.0f} s long, above features.max_clip_seconds "
                             f"({max_seconds:g} s)")
    if data.dtype == np.uint8:
        x = (data.astype(np.float32) - 128.0) / 128.0
    elif np.issubdtype(data.dtype, np.integer):
        x = data.astype(np.float32) / float(np.iinfo(data.dtype).max)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            x = data.astype(np.float32)
        if not np.all(np.isfinite(x)):
            raise AudioReadError("non-finite samples")
        peak = float(np.max(np.abs(x)))
        if peak > MAX_ABS_SAMPLE:
            raise AudioReadError(f"float samples up to {peak:.3g}, far beyond full scale (1.0)")
    if x.ndim == 2:
        x = x.mean(axis=1)
    if rate != target_rate:
        g = math.gcd(int(rate), target_rate)
        x = np.asarray(resample_poly(x, target_rate // g, int(rate) // g), dtype=np.float32)
    out: F32 = x
    return out


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class SplitFeatures:
    """Features of the readable files of one split, in sorted file-name order."""

    names: list[str]
    features: list[F32]
    skipped: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    # of the file listing and feature settings: tells whether two runs saw the same audio
    signature: str = ""

    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}


def list_wavs(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".wav"),
                  key=lambda p: p.name)


def _signature(files: list[Path], cfg: FeatureConfig) -> str:
    h = hashlib.sha256()
    h.update(json.dumps({"v": CACHE_VERSION, "cfg": cfg.model_dump(mode="json")}).encode())
    for p in files:
        st = p.stat()
        h.update(f"{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return h.hexdigest()


def _load_cache(path: Path, signature: str, n_mels: int) -> SplitFeatures | None:
    """The cached features, or None when the cache is stale; CacheDamaged when unreadable."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["signature"]) != signature:
                return None
            data, offsets = np.asarray(z["features"]), np.asarray(z["offsets"])
            names = [str(n) for n in z["names"]]
            skipped = dict(zip((str(s) for s in z["skipped_names"]),
                               (str(s) for s in z["skipped_reasons"]), strict=True))
            seconds = float(z["seconds"])
    except Exception as exc:  # a truncated or foreign file: zipfile, zlib, numpy, KeyError...
        raise CacheDamaged(_one_line(f"{type(exc).__name__}: {exc}")) from None
    consistent = (
        data.dtype == np.float32 and data.ndim == 2 and data.shape[1] == n_mels
        and offsets.dtype == np.int64 and offsets.shape == (len(names) + 1,)
        and int(offsets[0]) == 0 and int(offsets[-1]) == data.shape[0]
        and bool(np.all(np.diff(offsets) > 0)) and bool(np.all(np.isfinite(data)))
    )
    if not consistent:
        raise CacheDamaged("its arrays do not fit together")
    feats = [data[offsets[i]:offsets[i + 1]] for i in range(len(names))]
    return SplitFeatures(names, feats, skipped, seconds, signature)


class CacheDamaged(Exception):
    """A cache file that cannot be read back; it is rebuilt."""


def _save_cache(path: Path, signature: str, sf: SplitFeatures, n_mels: int) -> None:
    offsets = np.zeros(len(sf.features) + 1, np.int64)
    offsets[1:] = np.cumsum([f.shape[0] for f in sf.features])
    data = np.concatenate(sf.features) if sf.features else np.zeros((0, n_mels), np.float32)
    try:
        # np.savez on an open file: the temporary name does not end in .npz
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, features=data, offsets=offsets, names=np.array(sf.names, dtype=str),
                     skipped_names=np.array(list(sf.skipped), dtype=str),
                     skipped_reasons=np.array(list(sf.skipped.values()), dtype=str),
                     seconds=np.float64(sf.seconds), signature=np.array(signature))
    except (OSError, CoreOutputError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise OutputError(f"cannot write the feature cache {path} ({reason}); give a writable "
                          "folder with --cache") from None


def split_features(data_dir: str | Path, split: str, cfg: FeatureConfig,
                   cache_dir: str | Path | None = None, console: Console | None = None,
                   progress: bool = True) -> SplitFeatures:
    """Features of `data_dir/split/*.wav`, from the cache when it matches the files and config.

    Every clip that cannot be used is skipped and named with the reason; a damaged cache is
    named and rebuilt.
    """
    console = console or plain_console()
    folder = Path(data_dir) / split
    if not folder.is_dir():
        raise DataError(f"no audio folder {folder}; DATA must hold the Clotho layout "
                        "(docs/baseline.md)")
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir(data_dir)
    try:
        files = list_wavs(folder)
        signature = _signature(files, cfg)
    except OSError as exc:
        where = exc.filename if exc.filename is not None else folder
        raise DataError(f"cannot read {where} ({exc.strerror or exc}); check the path and "
                        "its permissions") from None
    cache_path = cache / f"{split}.npz"
    if cache_path.exists():
        try:
            cached = _load_cache(cache_path, signature, cfg.n_mels)
        except CacheDamaged as exc:
            console.print(Text.assemble((f"the feature cache {cache_path} is damaged", "yellow"),
                                        f" ({exc}); rebuilding it"))
            cached = None
        if cached is not None:
            _report_skipped(console, split, cached.skipped)
            return cached
    extractor = LogMel(cfg)
    out = SplitFeatures([], [], signature=signature)
    columns = (TextColumn(f"[bold]features {split}"), BarColumn(), MofNCompleteColumn(),
               TimeRemainingColumn())
    with progress_bar(console, *columns, show=progress) as bar:
        task = bar.add_task(split, total=len(files))
        for path in files:
            notes: list[str] = []
            try:
                x = read_wav(path, cfg.sample_rate, cfg.max_clip_seconds, notes)
                feats = extractor(x)
                if not np.all(np.isfinite(feats)):
                    raise AudioReadError("its log mel energies are not finite")
            except AudioReadError as exc:
                out.skipped[path.name] = str(exc)
            except MemoryError:
                out.skipped[path.name] = "too large to fit in memory"
            else:
                out.names.append(path.name)
                out.features.append(feats)
                out.seconds += x.size / cfg.sample_rate
            for note in dict.fromkeys(notes):
                console.print(f"note: {split}/{path.name!r}: {note}")
            bar.advance(task)
    _report_skipped(console, split, out.skipped)
    _save_cache(cache_path, signature, out, cfg.n_mels)
    return out


def _report_skipped(console: Console, split: str, skipped: dict[str, str]) -> None:
    for name, reason in skipped.items():
        console.print(Text.assemble(("skipped unusable audio", "yellow"),
                                    f" {split}/{name!r}: {reason}"))


def plain_console() -> Console:
    """A stderr console that prints every message as given (file names hold brackets), on one
    line: no markup, emoji codes, highlighting or wrapping."""
    return Console(stderr=True, markup=False, emoji=False, highlight=False, soft_wrap=True)


def default_cache_dir(data_dir: str | Path) -> Path:
    """Where features are cached when no --cache is given: beside the data."""
    return Path(data_dir) / "baseline_features"
