"""A baseline config holding an integer longer than Python's int-string limit is a usage error
naming the file (issue 22, item 8), for every command that reads --config."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run_cli


@pytest.mark.parametrize("command", ["train", "features"])
def test_item8_a_4401_digit_integer_in_the_config_is_a_usage_error(tmp_path: Path,
                                                                     command: str) -> None:
    config = tmp_path / "big.yaml"
    config.write_text(f"train:\n  seed: {'9' * 4401}\n", encoding="utf-8")
    (tmp_path / "data").mkdir()
    extra = ["--out", tmp_path / "run"] if command == "train" else []
    proc = run_cli("baseline", command, "--data", tmp_path / "data", *extra,
                   "--config", config)
    assert proc.returncode == 2, proc.stderr
    assert "big.yaml" in proc.stderr and "4300 digits" in proc.stderr
