"""Each vocabulary is spelled out once: a second tuple of its words would drift from the first."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

from harness.audit.model import PROBLEM_KINDS
from harness.vocab import OUTPUT_FORMATS, SCRIPT_MODES
from mock_endpoint.vocab import CLICK_ID_PARAMS, RECORD_KINDS, SEVERITIES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "mock_endpoint", "fixture_sites")

# vocabulary, its home, how many of its words in one tuple, list or set count as a copy
VOCABULARIES = [
    pytest.param(SEVERITIES, "mock_endpoint/vocab.py", 3, id="severity"),
    pytest.param(RECORD_KINDS, "mock_endpoint/vocab.py", 6, id="record-kinds"),
    pytest.param(CLICK_ID_PARAMS, "mock_endpoint/vocab.py", 2, id="click-id-params"),
    pytest.param(SCRIPT_MODES, "harness/vocab.py", 2, id="script-modes"),
    pytest.param(OUTPUT_FORMATS, "harness/vocab.py", 3, id="output-formats"),
    pytest.param(PROBLEM_KINDS, "harness/audit/model.py", 3, id="problem-kinds"),
]


@cache
def literals() -> tuple[tuple[str, int, frozenset[object]], ...]:
    """(file, line, the constants) of every tuple, list and set literal in the product's code."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Tuple | ast.List | ast.Set):
                    values = frozenset(e.value for e in node.elts if isinstance(e, ast.Constant))
                    found.append((name, node.lineno, values))
    return tuple(found)


def spelled_out(words: tuple[str, ...], enough: int) -> list[str]:
    """Every ``file:line`` whose tuple, list or set literal holds ``enough`` of ``words``."""
    return [
        f"{name}:{line}" for name, line, values in literals() if len(values & set(words)) >= enough
    ]


@pytest.mark.parametrize(("words", "home", "enough"), VOCABULARIES)
def test_a_vocabulary_has_one_definition(words: tuple[str, ...], home: str, enough: int) -> None:
    sites = spelled_out(words, enough)
    assert [site.split(":")[0] for site in sites] == [home], sites
