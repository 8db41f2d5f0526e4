"""One list of public names: the package and its `api` module serve the same names, each the
same object, from one mapping of name -> defining module; importing the package loads none of
them."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import dcase_retrieval_eval as package
from dcase_retrieval_eval import api

from .conftest import ROOT

PACKAGE = Path(package.__file__).parent


def test_the_package_and_the_api_list_the_same_names() -> None:
    assert package.__all__ == api.__all__ == sorted(package._EXPORTS)
    # the functions a user calls first, the organiser's ones included, are in the one list
    for name in ("validate", "score", "rank", "validate_package", "prepare_ground_truth",
                 "load_query_set", "evaluate", "OptionError", "InputError"):
        assert name in package.__all__, name


@pytest.mark.parametrize("name", sorted(package._EXPORTS))
def test_every_listed_name_is_importable_from_both(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from dcase_retrieval_eval import {name} as a\n"  # noqa: S102 - the user's spelling
         f"from dcase_retrieval_eval.api import {name} as b\n", namespace)
    assert namespace["a"] is namespace["b"] is getattr(package, name)
    defining = importlib.import_module(f"dcase_retrieval_eval.{package._EXPORTS[name]}")
    assert getattr(defining, name) is namespace["a"]
    assert name in dir(package)


def test_an_unlisted_name_is_no_attribute() -> None:
    for module in (package, api):
        with pytest.raises(AttributeError, match="has no attribute 'load_everything'"):
            getattr(module, "load_everything")  # noqa: B009 - the lookup is what is tested


def test_no_second_list_of_names_in_the_api() -> None:
    # api.__all__ is the package's list, not names spelled again, and every public function
    # that api.py defines is in it
    tree = ast.parse((PACKAGE / "api.py").read_text(encoding="utf-8"))
    assigned = [node for node in tree.body if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)]
    assert len(assigned) == 1
    assert not any(isinstance(n, ast.Constant) and isinstance(n.value, str)
                   for n in ast.walk(assigned[0].value))
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)
               and not node.name.startswith("_")}
    assert defined and defined <= set(package.__all__)


def test_importing_the_package_imports_no_public_module() -> None:
    probe = ("import sys, dcase_retrieval_eval as d\n"
             "names = d.__all__\n"
             "print(sorted(m for m in sys.modules if m.startswith('dcase_retrieval_eval.')"
             " or m == 'numpy'))\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
