"""A synthetic challenge in the Clotho layout whose captions truly describe the audio.

Every link of the baseline chain needs data to run on, and real Clotho (about 15 GB) is not always
at hand. Each clip mixes one to three sound events drawn from a small grammar (tones, rising or
falling chirps, noise bursts, clicks, beeps, hums; pitch, loudness, count, tempo and order) over a
background noise, and each of its five captions says in words what happens, so that retrieval is
learnable. File names are as awkward as Clotho's. Only numpy and scipy are used (no torch), and the
output is a pure function of the seed and the sizes.
"""

from __future__ import annotations

import csv
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy.io import wavfile
from scipy.signal import butter, sosfilt

from dcase_retrieval_eval.io.scratch import live_scratch, make_scratch_dir

from . import SPLITS

SAMPLE_RATE = 44_100
DEFAULT_CLIPS = (240, 60, 120)
DEFAULT_SECONDS = (5.0, 8.0)
#: the longest clip accepted (Clotho clips last 15-30 s); a longer one only costs memory
MAX_SECONDS = 60.0
MIN_WORDS, MAX_WORDS = 8, 20

Rng = np.random.Generator
FloatArray = npt.NDArray[np.float64]

KINDS = ("tone", "chirp", "bursts", "clicks", "beeps", "hum")
REPEATED = ("bursts", "clicks", "beeps")
COUNT_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}

# Each kind has its own nouns so that the word vectors of different events are learned from
# different contexts (skip-gram makes words that share contexts similar).
NOUNS: dict[str, tuple[str, ...]] = {
    "tone": ("tone", "steady tone", "sine tone", "whistle"),
    "chirp": ("chirp", "sweep", "glide", "siren-like chirp"),
    "bursts": ("burst of noise", "noise burst", "hissing burst", "blast of static"),
    "clicks": ("click", "tick", "sharp click", "snap"),
    "beeps": ("beep", "electronic beep", "short pulse", "bleep"),
    "hum": ("hum", "drone", "electrical buzz", "humming drone"),
}
PLURALS: dict[str, tuple[str, ...]] = {
    "bursts": ("bursts of noise", "noise bursts", "hissing bursts", "blasts of static"),
    "clicks": ("clicks", "ticks", "sharp clicks", "snaps"),
    "beeps": ("beeps", "electronic beeps", "short pulses", "bleeps"),
}
PITCH_WORDS = {"low": ("low", "deep", "low-pitched"), "high": ("high", "shrill", "high-pitched")}
LOUD_WORDS = {"loud": ("loud", "strong", "powerful"), "quiet": ("quiet", "soft", "faint")}
TEMPO_WORDS = {"fast": ("rapid", "quick", "fast"), "slow": ("slow", "slowly spaced", "unhurried")}
DIRECTION_WORDS = {"up": ("rising", "upward", "ascending"), "down": ("falling", "downward",
                                                                   "descending")}
BACKGROUND_PHRASES = {
    "hiss": ("over a steady hiss", "with background hiss", "against a hissing background",
             "over white noise"),
    "rumble": ("over a low rumble", "with a rumbling background", "against distant rumbling",
               "over a dull rumble"),
}
SINGLE_TEMPLATES = (
    "{E} can be heard in this recording {bg}",
    "The clip has {e} {bg} for a while",
    "Only {e} can be heard {bg} in the clip",
    "The recording contains {e} {bg}",
    "A listener hears {e} {bg}",
)
SEQUENCE_TEMPLATES = (
    "{E1} and then {e2} {bg}",
    "First {e1}, followed by {e2} {bg}",
    "{E1}, with {e2} afterwards {bg}",
    "We hear {e1} before {e2} {bg}",
    "After {e1}, {e2} can be heard {bg}",
)
TRIPLE_TEMPLATES = (
    "{E1}, then {e2}, and finally {e3} {bg}",
    "First {e1}, next {e2}, last {e3} {bg}",
    "{E1} at the start, {e2} in the middle, and {e3} at the end {bg}",
    "We hear {e1}, {e2} and then {e3} {bg}",
)

NAME_WORDS = ("Café", "Straße", "naïve", "Ångström", "piñata", "Zürich", "crème brûlée", "Łódź",
              "smörgåsbord", "façade", "jalapeño", "Reykjavík", "São Paulo", "d'été", "Ærø",
              "Mikołaj", "garçon", "Orléans", "Tōkyō", "Kraków")
NAME_THINGS = ("birds", "rain", "door", "engine", "kitchen", "street", "market", "train", "wind",
               "bells", "river", "hall", "garden", "harbour", "workshop")
NAME_PATTERNS: tuple[Callable[[str, str, int], str], ...] = (
    lambda w, t, i: f"{w} {t}, take {i}.wav",
    lambda w, t, i: f"{t} ({w}) {i:03d}.wav",
    lambda w, t, i: f"{w}'s {t} - {i}.wav",
    lambda w, t, i: f"{w} le Moulin cours d&#39;eau {i}.wav",
    lambda w, t, i: f"{i}_{t} at {w}, (mix).wav",
    lambda w, t, i: f"{t.upper()} {w} #{i} [raw].wav",
)


@dataclass(frozen=True)
class Event:
    """One sound event of a clip and the attributes its captions may mention."""

    kind: str
    loud: str
    pitch: str = ""
    direction: str = ""
    count: int = 1
    tempo: str = ""


@dataclass
class Clip:
    """A generated clip: its file name, events, background and five captions."""

    file_name: str
    events: list[Event]
    background: str
    seconds: float
    captions: list[str] = field(default_factory=list)


@dataclass
class SynthSummary:
    """What `synthesize` wrote, for the CLI to report."""

    out_dir: Path
    clips: dict[str, int]
    seconds: float


def _draw_event(rng: Rng, kind: str) -> Event:
    loud = str(rng.choice(("loud", "quiet")))
    if kind == "chirp":
        return Event(kind, loud, direction=str(rng.choice(("up", "down"))))
    if kind == "hum":
        return Event(kind, loud)
    pitch = "" if kind == "clicks" else str(rng.choice(("low", "high")))
    if kind in REPEATED:
        return Event(kind, loud, pitch=pitch, count=int(rng.integers(2, 6)),
                     tempo=str(rng.choice(("fast", "slow"))))
    return Event(kind, loud, pitch=pitch)


def draw_events(rng: Rng) -> list[Event]:
    """One to three events of distinct kinds, in the order they sound."""
    n = int(rng.choice((1, 2, 3), p=(0.3, 0.45, 0.25)))
    kinds = rng.choice(len(KINDS), size=n, replace=False)
    return [_draw_event(rng, KINDS[int(k)]) for k in kinds]


def _pick(rng: Rng, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def describe_event(rng: Rng, ev: Event) -> str:
    """A noun phrase for one event; attributes are sometimes left out, as people do."""
    words: list[str] = []
    if ev.kind in REPEATED:
        words.append(COUNT_WORDS[ev.count] if rng.random() < 0.8 else "several")
        if rng.random() < 0.8:
            words.append(_pick(rng, TEMPO_WORDS[ev.tempo]))
    if rng.random() < 0.7:
        words.append(_pick(rng, LOUD_WORDS[ev.loud]))
    if ev.pitch and rng.random() < 0.85:
        words.append(_pick(rng, PITCH_WORDS[ev.pitch]))
    if ev.direction:
        words.append(_pick(rng, DIRECTION_WORDS[ev.direction]))
    noun = _pick(rng, PLURALS[ev.kind] if ev.kind in REPEATED else NOUNS[ev.kind])
    phrase = " ".join([*words, noun])
    if ev.kind not in REPEATED:
        phrase = ("an " if phrase[0] in "aeiou" else "a ") + phrase
    return phrase


def caption_for(rng: Rng, clip: Clip) -> str:
    """One caption of 8 to 20 words that says which events happen, in which order."""
    for _ in range(200):
        phrases = [describe_event(rng, ev) for ev in clip.events]
        bg = _pick(rng, BACKGROUND_PHRASES[clip.background]) if rng.random() < 0.6 else ""
        fill = {f"e{i + 1}": p for i, p in enumerate(phrases)}
        fill.update({f"E{i + 1}": p[0].upper() + p[1:] for i, p in enumerate(phrases)})
        if len(phrases) == 1:
            template = _pick(rng, SINGLE_TEMPLATES)
            fill.update(e=phrases[0], E=fill["E1"])
        else:
            template = _pick(rng, SEQUENCE_TEMPLATES if len(phrases) == 2 else TRIPLE_TEMPLATES)
        text = " ".join(template.format(bg=bg, **fill).split())
        text = text[0].upper() + text[1:] + "."
        if MIN_WORDS <= len(text.split()) <= MAX_WORDS:
            return text
    raise RuntimeError("no caption of 8 to 20 words could be drawn")  # unreachable in practice


def _envelope(n: int, fade: int) -> FloatArray:
    env = np.ones(n)
    fade = max(1, min(fade, n // 2))
    ramp = np.linspace(0.0, 1.0, fade)
    env[:fade] = ramp
    env[n - fade:] = ramp[::-1]
    return env


def _tone(freq: float, n: int, sr: int) -> FloatArray:
    t = np.arange(n) / sr
    return np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)


def _band_noise(rng: Rng, n: int, sr: int, pitch: str) -> FloatArray:
    band = (200.0, 900.0) if pitch == "low" else (3000.0, 9000.0)
    sos = butter(4, band, btype="bandpass", fs=sr, output="sos")
    x = np.asarray(sosfilt(sos, rng.standard_normal(n + 512))[512:], dtype=np.float64)
    out: FloatArray = x / (np.max(np.abs(x)) + 1e-9)
    return out


def render_event(rng: Rng, ev: Event, slot: int, sr: int) -> FloatArray:
    """The samples of one event, at most `slot` samples long, peak about 1."""
    if ev.kind in REPEATED:
        spacing = (0.18 if ev.tempo == "fast" else 0.55) * sr
        spacing = min(spacing, slot / ev.count)
        out = np.zeros(slot)
        for j in range(ev.count):
            start = int(j * spacing)
            if ev.kind == "clicks":
                n = int(0.004 * sr)
                unit = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.0006 * sr))
            elif ev.kind == "beeps":
                n = int(min(0.1 * sr, spacing * 0.6))
                freq = rng.uniform(250, 400) if ev.pitch == "low" else rng.uniform(2000, 3200)
                unit = _tone(freq, n, sr) * _envelope(n, int(0.005 * sr))
            else:
                n = int(min(0.22 * sr, spacing * 0.8))
                unit = _band_noise(rng, n, sr, ev.pitch) * _envelope(n, int(0.01 * sr))
            end = min(slot, start + unit.size)
            out[start:end] += unit[: end - start]
        return out
    n = int(min(slot, rng.uniform(0.8, 2.0) * sr)) if ev.kind != "hum" else slot
    if ev.kind == "tone":
        freq = rng.uniform(180, 320) if ev.pitch == "low" else rng.uniform(1800, 3200)
        x = _tone(freq, n, sr)
    elif ev.kind == "chirp":
        f0, f1 = 300.0, rng.uniform(2500, 4000)
        if ev.direction == "down":
            f0, f1 = f1, f0
        t = np.arange(n) / sr
        dur = n / sr
        k = (f1 / f0) ** (1 / dur)
        x = np.sin(2 * np.pi * f0 * (k**t - 1) / np.log(k))
    else:  # hum: a buzzy fundamental near mains frequency with many harmonics
        f = rng.uniform(50, 120)
        t = np.arange(n) / sr
        x = np.zeros(n)
        for h in range(1, 12):
            x = x + np.sin(2 * np.pi * f * h * t) / h
        x = x / np.max(np.abs(x))
    return x * _envelope(n, int(0.02 * sr))


def render_clip(rng: Rng, clip: Clip, sr: int = SAMPLE_RATE) -> npt.NDArray[np.int16]:
    """Mix the clip's events one after the other over its background, as 16-bit samples."""
    total = int(clip.seconds * sr)
    noise = rng.standard_normal(total)
    if clip.background == "rumble":
        sos = butter(2, 150.0, btype="lowpass", fs=sr, output="sos")
        noise = sosfilt(sos, noise)
    noise *= rng.uniform(0.01, 0.03) / (np.std(noise) + 1e-12)
    mix = noise
    n = len(clip.events)
    lead = int(rng.uniform(0.1, 0.4) * sr)
    slot = (total - lead) // n
    for i, ev in enumerate(clip.events):
        gain = rng.uniform(0.35, 0.5) if ev.loud == "loud" else rng.uniform(0.06, 0.12)
        x = render_event(rng, ev, int(slot * 0.9), sr) * gain
        start = lead + i * slot
        mix[start:start + x.size] += x
    peak = float(np.max(np.abs(mix)))
    if peak > 0.99:
        mix *= 0.99 / peak
    return np.round(mix * 32767).astype(np.int16)


def file_name_for(rng: Rng, index: int) -> str:
    """A unique (by index), Linux-valid, Clotho-like awkward file name."""
    pattern = NAME_PATTERNS[int(rng.integers(len(NAME_PATTERNS)))]
    return pattern(_pick(rng, NAME_WORDS), _pick(rng, NAME_THINGS), index)


def plan_split(rng: Rng, n_clips: int, seconds: tuple[float, float]) -> list[Clip]:
    """Draw the clips of one split with five captions each, all captions distinct in the split."""
    seen: set[str] = set()
    clips = []
    for i in range(n_clips):
        clip = Clip(
            file_name=file_name_for(rng, i + 1),
            events=draw_events(rng),
            background=str(rng.choice(("hiss", "rumble"))),
            seconds=float(np.round(rng.uniform(*seconds), 2)),
        )
        while len(clip.captions) < 5:
            text = caption_for(rng, clip)
            if text not in seen:
                seen.add(text)
                clip.captions.append(text)
        clips.append(clip)
    return clips


def _temporary_prefix(out: Path) -> str:
    """The hidden folder beside OUT_DIR that a run writes into: `.<name>.synth-<pid>-<hex>.tmp`
    (io/scratch), so that a later run can tell a live run's folder from a dead one's."""
    return f".{out.name}.synth-"


def _refuse_if_owned(out: Path) -> None:
    """FileExistsError when another running synth is writing OUT_DIR (its temporary folder is
    left alone; removing it would break that run)."""
    live = live_scratch(out.parent, _temporary_prefix(out), ".tmp")
    if live:
        pid = min(live.values())
        raise FileExistsError(f"another synth run (pid {pid}) is writing {out}; wait until it "
                              "has finished, or choose another directory")


def synthesize(
    out_dir: str | Path,
    clips_per_split: tuple[int, int, int] = DEFAULT_CLIPS,
    seed: int = 0,
    seconds: tuple[float, float] = DEFAULT_SECONDS,
    on_clip: Callable[[str], None] | None = None,
) -> SynthSummary:
    """Write the three splits (captions CSVs and WAV folders) of a synthetic challenge.

    Everything is written into a temporary folder beside OUT_DIR that is renamed into place at
    the end, so an interrupted run leaves no half challenge (and a rerun never mixes seeds).
    OUT_DIR must not exist or be empty, and no other running synth may be writing it (both are
    FileExistsError); temporaries of killed runs for the same OUT_DIR are removed first.
    """
    out = Path(out_dir)
    if any(n < 1 for n in clips_per_split):
        raise ValueError("every split needs at least one clip")
    if not 0.5 <= seconds[0] <= seconds[1] <= MAX_SECONDS:
        raise ValueError(f"clip lengths must satisfy 0.5 <= --min-seconds <= --max-seconds <= "
                         f"{MAX_SECONDS:g}")
    if out.exists():
        if not out.is_dir():
            raise FileExistsError(f"{out} is a file; choose a new or empty directory")
        existing = sorted(p.name for p in out.iterdir())
        if existing:
            csvs = [n for n in existing if n.startswith("clotho_captions_")]
            what = f"already holds {csvs[0]}" if csvs else f"is not empty ({existing[0]!r})"
            raise FileExistsError(f"{out} {what}; choose a new or empty directory")
    out.parent.mkdir(parents=True, exist_ok=True)
    _refuse_if_owned(out)
    tmp = make_scratch_dir(out.parent, _temporary_prefix(out), ".tmp")  # removes dead ones
    try:
        total_seconds = _write_challenge(tmp, clips_per_split, seed, seconds, on_clip)
        os.chmod(tmp, 0o777 & ~_umask())
        if out.exists():
            if any(out.iterdir()):  # a run that started at the same moment finished first
                raise FileExistsError(f"{out} was written by another run meanwhile; choose a "
                                      "new or empty directory")
            out.rmdir()  # rename needs the name free or an empty folder
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return SynthSummary(out, dict(zip(SPLITS, clips_per_split, strict=True)), total_seconds)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_challenge(out: Path, clips_per_split: tuple[int, int, int], seed: int,
                     seconds: tuple[float, float], on_clip: Callable[[str], None] | None
                     ) -> float:
    total_seconds = 0.0
    for split_index, (split, n_clips) in enumerate(zip(SPLITS, clips_per_split, strict=True)):
        rng = np.random.default_rng(np.random.SeedSequence([seed, split_index]))
        clips = plan_split(rng, n_clips, seconds)
        folder = out / split
        folder.mkdir(exist_ok=True)
        for clip in clips:
            wavfile.write(folder / clip.file_name, SAMPLE_RATE, render_clip(rng, clip))
            total_seconds += clip.seconds
            if on_clip is not None:
                on_clip(split)
        with open(out / f"clotho_captions_{split}.csv", "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["file_name", *[f"caption_{i}" for i in range(1, 6)]])
            for clip in clips:
                writer.writerow([clip.file_name, *clip.captions])
    return total_seconds
