"""scripts/mutate.py stays in step with the code: every mutation's snippet occurs exactly once in
its file and every test it names exists, so a guard that moves is re-targeted, never dropped
silently; a stale snippet is an error naming the mutation (the full run: docs/testing.md)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def mutate():
    spec = importlib.util.spec_from_file_location("milex_mutate", ROOT / "scripts" / "mutate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def test_every_mutation_matches_its_code_exactly_once_and_changes_it(mutate):
    names = [m.name for m in mutate.MUTATIONS]
    assert len(names) == len(set(names)) and len(names) >= 50
    for m in mutate.MUTATIONS:
        path, pristine, mutated = mutate._mutated_text(m, ROOT / "src")
        assert mutated != pristine, m.name
        assert path.is_relative_to(ROOT / "src" / "milex")


def test_every_test_a_mutation_names_exists(mutate):
    for m in mutate.MUTATIONS:
        assert m.tests, m.name
        for test in m.tests:
            file, _, function = test.partition("::")
            text = (ROOT / file).read_text(encoding="utf-8")
            if function:
                assert re.search(rf"^def {re.escape(function)}\(", text, re.M), (m.name, test)


def test_a_snippet_that_no_longer_matches_fails_naming_the_mutation(mutate, monkeypatch, capsys):
    stale = mutate.Mutation(
        "moved-guard",
        "data/snapshot.py",
        "SIPRI_LIMIT = 35000\n",
        "SIPRI_LIMIT = 1\n",
        ("tests/test_snapshot_limits.py",),
        "a guard whose code has moved",
    )
    monkeypatch.setattr(mutate, "MUTATIONS", (*mutate.MUTATIONS, stale))
    assert mutate.main(["--check"]) == 2
    err = capsys.readouterr().err
    assert "moved-guard" in err and "no longer occurs in src/milex/data/snapshot.py" in err
    assert mutate.main(["moved-guard"]) == 2  # a run stops before it starts
    assert "moved-guard" in capsys.readouterr().err
    assert mutate.main(["no-such-mutation"]) == 2


def test_the_script_documents_itself_in_the_readme_and_the_testing_guide():
    assert "scripts/mutate.py" in (ROOT / "README.md").read_text(encoding="utf-8")
    guide = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert "## Tests that bite: the mutation script" in guide
    assert Path(ROOT / "scripts" / "mutate.py").is_file()
