"""Caption embeddings: the mean of Word2Vec word vectors (paper section 3), frozen during training.

The paper uses the pretrained Google News vectors; they are not always reachable, so by default
skip-gram vectors are trained with gensim on the development captions, and a user's word2vec file
(binary or text format) is loaded instead when given. Words without a vector are skipped and
counted, so a user sees how well the vocabulary covers the captions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from gensim.models import KeyedVectors, Word2Vec

from .config import TextConfig

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
    model = Word2Vec(sentences=sentences, vector_size=cfg.vector_size, window=cfg.window,
                     min_count=cfg.min_count, sg=1, workers=1, seed=seed, epochs=cfg.epochs)
    return model.wv


def load_vectors(path: str | Path) -> KeyedVectors:
    """Word vectors in word2vec binary format, else word2vec text format."""
    try:
        return KeyedVectors.load_word2vec_format(str(path), binary=True)
    except (UnicodeDecodeError, ValueError, EOFError):
        return KeyedVectors.load_word2vec_format(str(path), binary=False)


def save_vectors(kv: KeyedVectors, path: str | Path) -> None:
    kv.save_word2vec_format(str(path), binary=True)


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
