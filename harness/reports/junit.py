"""JUnit XML, the format CI systems read. Built with ElementTree, so every string is escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Case:
    classname: str
    name: str
    seconds: float = 0.0
    failure: str | None = None  # message; None when the case passed
    details: str = ""
    skipped: str | None = None


def _clean(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped: drop them."""
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 0x20)


def junit_xml(suite: str, cases: Iterable[Case]) -> str:
    items = list(cases)
    root = ET.Element(
        "testsuites",
        name=_clean(suite),
        tests=str(len(items)),
        failures=str(sum(1 for c in items if c.failure is not None)),
    )
    element = ET.SubElement(
        root,
        "testsuite",
        name=_clean(suite),
        tests=str(len(items)),
        failures=str(sum(1 for c in items if c.failure is not None)),
        skipped=str(sum(1 for c in items if c.skipped is not None)),
        time=f"{sum(c.seconds for c in items):.3f}",
    )
    for case in items:
        node = ET.SubElement(
            element,
            "testcase",
            classname=_clean(case.classname),
            name=_clean(case.name),
            time=f"{case.seconds:.3f}",
        )
        if case.failure is not None:
            failure = ET.SubElement(node, "failure", message=_clean(case.failure))
            failure.text = _clean(case.details)
        elif case.skipped is not None:
            ET.SubElement(node, "skipped", message=_clean(case.skipped))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def write_junit(path: Path, suite: str, cases: Iterable[Case]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(suite, cases), encoding="utf-8")
