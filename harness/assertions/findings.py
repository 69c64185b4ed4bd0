"""``expect_findings``: the audit rules' verdict on what a context captured."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.errors import AssertionFailed
from harness.rules import AuditFinding


def check_findings(
    findings: Sequence[AuditFinding],
    present: Iterable[str] = (),
    *,
    absent: Iterable[str] = (),
    exact: bool = False,
) -> None:
    """Fail unless every code in ``present`` was found and none in ``absent`` (or, with
    ``exact``, nothing beyond ``present``). The message lists what was found instead."""
    found = {f.code for f in findings}
    wanted = set(present)
    missing = sorted(wanted - found)
    forbidden = sorted(found & set(absent))
    extra = sorted(found - wanted) if exact else []
    if not (missing or forbidden or extra):
        return
    lines = []
    if missing:
        lines.append(f"expected findings {', '.join(missing)}; not found")
    for code in [*forbidden, *extra]:
        lines.append(f"unexpected finding {code}")
    lines.append("found:" if findings else "found: nothing")
    lines.extend(f"  - {f.code} ({f.severity}): {f.message}" for f in findings)
    raise AssertionFailed("\n".join(lines))
