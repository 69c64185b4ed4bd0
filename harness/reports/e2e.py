"""Reports of an e2e catalogue run: the terminal table, JUnit XML and one HTML file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from harness.e2e import ScenarioResult
from harness.reports.junit import Case, write_junit
from harness.reports.render import environment


def _codes(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes)) or "-"


def explain(result: ScenarioResult) -> list[str]:
    lines = []
    if result.missing:
        lines.append(f"expected but not found: {_codes(result.missing)}")
    if result.unexpected:
        lines.append(f"found but not expected: {_codes(result.unexpected)}")
        lines.extend(
            f"  {f.code}: {f.message}" for f in result.findings if f.code in result.unexpected
        )
    lines.extend(f"flow: {p}" for p in result.problems)
    return lines


def table(results: Sequence[ScenarioResult]) -> str:
    rows = [("scenario", "result", "findings", "time")]
    rows.extend(
        (r.name, "PASS" if r.ok else "FAIL", _codes(r.codes), f"{r.seconds:.1f}s") for r in results
    )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    out = []
    for i, row in enumerate(rows):
        out.append(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:<{widths[2]}}  {row[3]}")
        if i == 0:
            out.append("  ".join("-" * w for w in widths) + "  ----")
    return "\n".join(out)


def write_reports(results: Sequence[ScenarioResult], folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    junit = folder / "e2e-junit.xml"
    write_junit(
        junit,
        "spdt-harness e2e",
        (
            Case(
                classname=f"catalogue.{r.scenario}",
                name=r.click_id_param,
                seconds=r.seconds,
                failure=None if r.ok else "; ".join(explain(r)[:2]),
                details="\n".join(explain(r)),
            )
            for r in results
        ),
    )
    html = folder / "e2e-report.html"
    html.write_text(
        environment()
        .get_template("e2e.html")
        .render(
            results=results,
            explain=explain,
            passed=sum(1 for r in results if r.ok),
            failed=sum(1 for r in results if not r.ok),
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        ),
        encoding="utf-8",
    )
    return {"junit": junit, "html": html}
