"""The audit as text: grouped by page, then severity; coloured on a terminal."""

from __future__ import annotations

from harness.audit.crawl import normalise
from harness.audit.model import SEVERITIES, AuditReport, PageResult

_COLOURS = {"error": "31", "warning": "33", "info": "36", "problem": "35", "ok": "32", "dim": "2"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if colour else text


def _clean(text: str) -> str:
    """Page-controlled text must not drive the terminal: control characters shown escaped."""
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _moved(url: str, final: str, param: str) -> bool:
    """Did the page end elsewhere than asked (click id parameters aside)?"""
    drop = (param, "spclid", "sp_click_id")
    return normalise(url, drop) != normalise(final, drop)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(report: AuditReport) -> str:
    counts = report.severity_counts()
    parts = [
        _plural(len(report.pages), "page"),
        _plural(counts["error"], "error"),
        _plural(counts["warning"], "warning"),
        f"{counts['info']} info",
    ]
    if report.problems:
        parts.append(_plural(len(report.problems), "page") + " not audited")
    return f"spdt-harness audit: {', '.join(parts)} (exit {report.exit_code})"


def _page_lines(page: PageResult, colour: bool, verbose: bool, param: str) -> list[str]:
    head = _clean(page.url)
    if page.journey:
        head = f"journey {_clean(page.journey)}: {head}"
    status = f"HTTP {page.status}" if page.status is not None else "no response"
    lines = [_paint(head, "dim", False) + f"  ({status})"]
    if page.final_url and _moved(page.url, page.final_url, param):
        lines.append(f"  final URL: {_clean(page.final_url)}")
    if page.problem is not None:
        lines.append(
            "  "
            + _paint(f"NOT AUDITED ({page.problem.kind})", "problem", colour)
            + f": {_clean(page.problem.message)}"
        )
    for severity in SEVERITIES:
        for f in (f for f in page.findings if f.severity == severity):
            lines.append(
                f"  {_paint(f'{severity:<7}', severity, colour)}  {f.code}: {_clean(f.message)}"
            )
            for evidence in f.evidence[: None if verbose else 3]:
                lines.append(f"           · {_clean(evidence)}")
            if len(f.evidence) > 3 and not verbose:
                lines.append(f"           · … {len(f.evidence) - 3} more (see --format json)")
            lines.append(f"           fix: {_clean(f.fix)}")
    if not page.findings and page.problem is None:
        lines.append("  " + _paint("no findings", "ok", colour))
    return lines


def render_text(report: AuditReport, *, colour: bool = False, verbose: bool = False) -> str:
    out: list[str] = []
    param = str(report.options.get("click_id_param") or "spclid")
    for page in report.pages:
        out.extend(_page_lines(page, colour, verbose, param))
        out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
