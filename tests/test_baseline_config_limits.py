"""Baseline inputs with absurd numbers: a config integer longer than
Python's int-string limit is a usage error naming the file, for every command that reads
--config; a word2vec header announcing absurd dimensions is refused before any allocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_cli


@pytest.mark.parametrize("command", ["train", "features"])
def test_a_4401_digit_integer_in_the_config_is_a_usage_error(tmp_path: Path,
                                                                     command: str) -> None:
    config = tmp_path / "big.yaml"
    config.write_text(f"train:\n  seed: {'9' * 4401}\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    extra = ["--out", tmp_path / "run"] if command == "train" else []
    proc = run_cli("baseline", command, "--data", tmp_path / "data", *extra,
                   "--config", config)
    assert proc.returncode == 2, proc.stderr
    assert "big.yaml" in proc.stderr and "4300 digits" in proc.stderr


@pytest.mark.parametrize("header", [b"1 99999999999\n", b"3 60000\n"])
def test_a_word2vec_header_with_absurd_dimensions_is_refused_before_allocating(
        tmp_path: Path, header: bytes) -> None:
    pytest.importorskip("gensim")
    from dcase_retrieval_baseline.text import WordVectorError, load_vectors

    path = tmp_path / "vectors.txt"
    path.write_bytes(header + b"the 0.1 0.2\n")
    with pytest.raises(WordVectorError, match="dimensions"):
        load_vectors(path)
