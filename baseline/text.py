"""Caption embeddings: the mean of Word2Vec word vectors (paper section 3), frozen during training.

The paper uses the pretrained Google News vectors; they are not always reachable, so by default
skip-gram vectors are trained with gensim on the development captions, and a user's word2vec file
(binary or text format, told apart by its content) is loaded instead when given. Words without
a vector are skipped and counted, so a user sees how well the vocabulary covers the captions, and
a run stops when the share is absurd (a wrong or misread file).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import numpy.typing as npt
from gensim.models import KeyedVectors, Word2Vec

from dcase_retrieval_eval.io.atomic import atomic_path

from .config import TextConfig
from .errors import ConfigError, WordVectorError

TOKEN = re.compile(r"\w+(?:['-]\w+)*")


def tokenize(caption: str, lowercase: bool = True) -> list[str]:
    """Words of a caption: letters/digits, keeping inner apostrophes and hyphens."""
    return TOKEN.findall(caption.lower() if lowercase else caption)


@dataclass
class OovStats:
    """How many caption words had no vector (and which, most frequent first)."""

    tokens: int = 0
    oov_tokens: int = 0
    empty_captions: int = 0
    oov_words: Counter[str] = field(default_factory=Counter)

    @property
    def oov_rate(self) -> float:
        return self.oov_tokens / self.tokens if self.tokens else 0.0

    def summary(self) -> str:
        top = ", ".join(w for w, _ in self.oov_words.most_common(8))
        text = (f"{self.oov_tokens} of {self.tokens} words ({100 * self.oov_rate:.1f}%) have no "
                f"vector; {self.empty_captions} captions have none")
        return text + (f" (most frequent: {top})" if top else "")


def train_word2vec(captions: Iterable[str], cfg: TextConfig, seed: int) -> KeyedVectors:
    """Skip-gram vectors from the captions; one worker thread so the result is reproducible."""
    sentences = [tokenize(c, cfg.lowercase) for c in captions]
    counts = Counter(w for s in sentences for w in s)
    if not counts or max(counts.values()) < cfg.min_count:
        most = max(counts.values(), default=0)
        raise ConfigError(f"text.min_count ({cfg.min_count}) is above the count of every "
                          f"development caption word (the most frequent occurs {most} times); "
                          "lower text.min_count")
    model = Word2Vec(sentences=sentences, vector_size=cfg.vector_size, window=cfg.window,
                     min_count=cfg.min_count, sg=1, workers=1, seed=seed, epochs=cfg.epochs)
    return model.wv


Word2VecFormat = Literal["binary", "text"]
_MAX_WORD_BYTES = 1_000


#: The largest vector size a word2vec header may announce.
MAX_DIMENSIONS = 65_536


def _header(path: Path, fh: BinaryIO) -> tuple[int, int]:
    line = fh.readline(256)
    parts = line.split()
    if not line.endswith(b"\n") or len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise WordVectorError(f"{path}: not a word2vec file (the first line must be "
                              "'<words> <dimensions>'); give a word2vec binary or text file")
    count, dim = int(parts[0]), int(parts[1])
    if count < 1 or dim < 1:
        raise WordVectorError(f"{path}: the header announces {count} words of {dim} dimensions; "
                              "give a non-empty word2vec file")
    if dim > MAX_DIMENSIONS:  # refused from the header, before a record buffer is allocated
        raise WordVectorError(f"{path}: the header announces {dim} dimensions; at most "
                              f"{MAX_DIMENSIONS} are accepted (word2vec files have 50 to 1,000)")
    return count, dim


def _is_text_record(line: bytes, dim: int) -> bool:
    try:
        fields = line.decode("utf-8").rstrip("\n").rstrip("\r").split(" ")
        fields = [f for f in fields if f] if len(fields) > dim + 1 else fields
        return len(fields) == dim + 1 and all(np.isfinite(float(v)) for v in fields[1:])
    except (UnicodeDecodeError, ValueError):
        return False


def _is_binary_record(fh: BinaryIO, dim: int) -> bool:
    word = bytearray()
    while len(word) <= _MAX_WORD_BYTES:
        ch = fh.read(1)
        if ch in (b"", b"\n") and not word:
            if ch == b"":
                return False
            continue  # the newline some writers put after each vector
        if ch == b"" or ch == b" ":
            break
        word += ch
    raw = fh.read(4 * dim)
    if not word or len(raw) != 4 * dim:
        return False
    try:
        word.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return bool(np.all(np.isfinite(np.frombuffer(raw, dtype="<f4"))))


def detect_format(path: str | Path) -> tuple[Word2VecFormat, int, int]:
    """(format, words, dimensions) of a word2vec file, decided from its first record.

    A text record is a word and `dimensions` decimal numbers on one line; a binary record is a
    word, a space and `dimensions` little-endian float32 values. A file whose first record is
    neither is refused, as is a header announcing more words than the file can hold.
    """
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        count, dim = _header(path, fh)
        start = fh.tell()
        if 2 * dim + 2 > size - start:
            raise WordVectorError(f"{path}: the header announces {dim} dimensions but the file "
                                  f"holds {size - start} bytes after it, not one vector; it is "
                                  "truncated or its header is wrong")
        line = fh.readline(64 * (dim + 1) + _MAX_WORD_BYTES)
        if _is_text_record(line, dim):
            fmt: Word2VecFormat = "text"
            smallest_record = 2 * dim + 2
        else:
            fh.seek(start)
            if not _is_binary_record(fh, dim):
                raise WordVectorError(
                    f"{path}: the first vector is neither word2vec text ({dim} numbers after "
                    f"the word) nor binary ({4 * dim} bytes after the word); the file is damaged "
                    "or of another format")
            fmt = "binary"
            smallest_record = 4 * dim + 2
    if count > (size - start) // smallest_record:
        raise WordVectorError(f"{path}: the header announces {count} words but the file can "
                              f"hold at most {(size - start) // smallest_record}; it is truncated "
                              "or its header is wrong")
    return fmt, count, dim


def load_vectors(path: str | Path, expected_dim: int | None = None) -> KeyedVectors:
    """Word vectors of a word2vec file in the format its content shows, checked for consistency.

    Refused (WordVectorError, naming the file): vectors of another size than `expected_dim`,
    a file that gensim cannot parse in the detected format, fewer words than the header
    announces, or vectors that are not finite.
    """
    path = Path(path)
    try:
        fmt, count, dim = detect_format(path)
    except OSError as exc:
        raise WordVectorError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if expected_dim is not None and dim != expected_dim:
        raise WordVectorError(f"{path}: the vectors are {dim}-d but model.embed_dim is "
                              f"{expected_dim}; set text.vector_size and model.embed_dim to {dim}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kv = KeyedVectors.load_word2vec_format(str(path), binary=fmt == "binary")
    except Exception as exc:  # gensim raises ValueError, EOFError, UnicodeDecodeError...
        text = " ".join(f"{type(exc).__name__}: {exc}".split())
        raise WordVectorError(f"{path}: cannot be read as word2vec {fmt} ({text}); the file is "
                              "damaged") from None
    if len(kv) != count or kv.vector_size != dim:
        raise WordVectorError(f"{path}: {len(kv)} distinct words of {kv.vector_size} dimensions "
                              f"read, but the header announces {count} of {dim}; the file is "
                              "damaged")
    if not np.all(np.isfinite(kv.vectors)):
        raise WordVectorError(f"{path}: some vectors are not finite; the file is damaged")
    return kv


def save_vectors(kv: KeyedVectors, path: str | Path) -> None:
    """Binary word2vec, written atomically (a killed run leaves the old file or none)."""
    with atomic_path(Path(path)) as tmp:
        kv.save_word2vec_format(str(tmp), binary=True)


class CaptionEncoder:
    """Mean word vector of a caption; a caption with no known word embeds to zeros."""

    def __init__(self, kv: KeyedVectors, lowercase: bool = True) -> None:
        self.kv = kv
        self.lowercase = lowercase
        self.dim = int(kv.vector_size)

    def _vector_ids(self, word: str) -> list[int]:
        if word in self.kv.key_to_index:
            return [self.kv.key_to_index[word]]
        parts = re.split(r"['-]", word)  # "high-pitched" -> "high", "pitched" for phrase vocabs
        if len(parts) > 1 and all(p in self.kv.key_to_index for p in parts):
            return [self.kv.key_to_index[p] for p in parts]
        return []

    def encode(self, captions: Sequence[str], stats: OovStats | None = None
               ) -> npt.NDArray[np.float32]:
        """(len(captions), dim) float32 caption embeddings."""
        out = np.zeros((len(captions), self.dim), np.float32)
        vectors = self.kv.vectors
        for i, caption in enumerate(captions):
            ids: list[int] = []
            for word in tokenize(caption, self.lowercase):
                found = self._vector_ids(word)
                ids.extend(found)
                if stats is not None:
                    stats.tokens += 1
                    if not found:
                        stats.oov_tokens += 1
                        stats.oov_words[word] += 1
            if ids:
                out[i] = vectors[ids].mean(axis=0)
            elif stats is not None:
                stats.empty_captions += 1
        return out
