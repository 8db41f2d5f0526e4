"""Errors of the baseline that mean bad input, not a bug: the CLI prints each as one line, exit 2.

Every message names the file, the config key or the clip at fault and says what to do, so that a
user never has to read a traceback or a library's raw exception text.
"""

from __future__ import annotations


class BaselineError(Exception):
    """An input (config, data, run folder, word vectors) the baseline cannot use as it is."""


class ConfigError(BaselineError):
    """A config file that is not valid YAML, has duplicate keys or a value out of range."""


class DataError(BaselineError):
    """A captions CSV or an audio folder that cannot be used."""


class WordVectorError(BaselineError):
    """A word2vec file that cannot be read consistently, or covers too few caption words."""


class RunFileError(BaselineError):
    """A damaged or foreign file in RUN_DIR (checkpoint, word vectors, records)."""


class RunMismatchError(BaselineError):
    """RUN_DIR holds a run made with another configuration or other inputs."""


class OutputError(BaselineError):
    """An output path that would replace or sit inside an input, or cannot be written."""
