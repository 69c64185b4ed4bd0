"""The audit as text: grouped by page, then severity; coloured on a terminal."""

from __future__ import annotations

from harness.audit.crawl import normalise
from harness.audit.model import AuditReport, PageResult
from harness.reports.baseline import Comparison, gate_exit_code
from mock_endpoint.vocab import CLICK_ID_PARAMS, DEFAULT_CLICK_ID_PARAM, SEVERITIES

_COLOURS = {"error": "31", "warning": "33", "info": "36", "problem": "35", "ok": "32", "dim": "2"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if colour else text


def _clean(text: str) -> str:
    """Page-controlled text must not drive the terminal: control characters shown escaped."""
    text = text.replace("\r\n", " ").replace("\n", " ")
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _moved(url: str, final: str, param: str) -> bool:
    """Did the page end elsewhere than asked (click id parameters aside)?"""
    drop = (param, *CLICK_ID_PARAMS)
    return normalise(url, drop) != normalise(final, drop)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary_line(
    report: AuditReport, baseline: Comparison | None = None, fail_on: str = "any"
) -> str:
    counts = report.severity_counts()
    parts = [
        _plural(len(report.pages), "page"),
        _plural(counts["error"], "error"),
        _plural(counts["warning"], "warning"),
        f"{counts['info']} info",
    ]
    if report.problems:
        parts.append(_plural(len(report.problems), "page") + " not audited")
    exit_code = report.exit_code
    if baseline is not None:
        parts.append(baseline.summary())
        exit_code = gate_exit_code(report, baseline, fail_on)
    return f"spdt-harness audit: {', '.join(parts)} (exit {exit_code})"


def _page_lines(
    page: PageResult,
    colour: bool,
    verbose: bool,
    param: str,
    baseline: Comparison | None = None,
) -> list[str]:
    head = _clean(page.url)
    if page.journey:
        head = f"journey {_clean(page.journey)}: {head}"
    if page.consent and page.consent.get("choice"):
        head = f"[consent {_clean(str(page.consent['choice']))}] {head}"
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
        for position, f in enumerate(page.findings):
            if f.severity != severity:
                continue
            state = baseline.state_of(page, position) if baseline is not None else None
            mark = "NEW " if state == "new" else ""
            lines.append(
                f"  {_paint(f'{severity:<7}', severity, colour)}  {mark}{f.code}: "
                f"{_clean(f.message)}"
            )
            for evidence in f.evidence[: None if verbose else 3]:
                lines.append(f"           · {_clean(evidence)}")
            if len(f.evidence) > 3 and not verbose:
                lines.append(f"           · … {len(f.evidence) - 3} more (see --format json)")
            lines.append(f"           fix: {_clean(f.fix)}")
    if not page.findings and page.problem is None:
        lines.append("  " + _paint("no findings", "ok", colour))
    if page.consent and "fired" in page.consent:
        lines.extend(consent_lines(page.consent))
    return lines


def _names(value: object) -> str:
    items = [str(v) for v in value] if isinstance(value, list) else []
    return _clean(", ".join(items)) if items else "nothing"


def consent_lines(outcome: dict[str, object]) -> list[str]:
    """What the consent choice did: fired, stored, and (revoke) what survived the withdrawal."""
    lines = [f"  consent {_clean(str(outcome.get('choice')))}: {_clean(str(outcome.get('done')))}"]
    lines.append(
        f"    fired after the consent step: {_names(outcome.get('fired'))} "
        f"({outcome.get('requests', 0)} pixel request(s))"
    )
    stored = outcome.get("stored")
    if isinstance(stored, dict):
        lines.append(f"    stored: {_names(stored.get('names'))}")
        lines.append(f"    pixel alias cache (localStorage): {_names(stored.get('alias_cache'))}")
        lines.append(f"    click id: {_names(stored.get('click_id'))}")
    if outcome.get("withdrawn"):
        lines.append(f"    withdrawn: {_clean(str(outcome['withdrawn']))}")
        lines.append(
            f"    fired after the withdrawal: {_names(outcome.get('fired_after_withdrawal'))} "
            f"({outcome.get('requests_after_withdrawal', 0)} pixel request(s))"
        )
        survived = outcome.get("survived")
        if isinstance(survived, dict):
            lines.append(f"    survived the withdrawal: {_names(survived.get('names'))}")
            lines.append(
                f"    alias cache after it: {_names(survived.get('alias_cache'))}; "
                f"click id after it: {_names(survived.get('click_id'))}"
            )
    return lines


def resolved_lines(baseline: Comparison) -> list[str]:
    """``resolved since the baseline:`` and one line per resolved finding (empty if none)."""
    if not baseline.resolved:
        return []
    lines = [f"resolved since the baseline ({len(baseline.resolved)}):"]
    for item in baseline.resolved:
        where = f"journey {item.journey}: {item.page_url}" if item.journey else item.page_url
        lines.append(
            f"  {item.finding.severity:<7}  {item.finding.code}: {_clean(item.finding.message)}"
        )
        lines.append(f"           on {_clean(where)}")
    return lines


def render_text(
    report: AuditReport,
    *,
    colour: bool = False,
    verbose: bool = False,
    baseline: Comparison | None = None,
    fail_on: str = "any",
) -> str:
    """With ``baseline``, new findings are marked ``NEW`` and resolved ones listed at the end."""
    out: list[str] = []
    param = str(report.options.get("click_id_param") or DEFAULT_CLICK_ID_PARAM)
    for page in report.pages:
        out.extend(_page_lines(page, colour, verbose, param, baseline))
        out.append("")
    if baseline is not None and baseline.resolved:
        out.extend([*resolved_lines(baseline), ""])
    out.append(summary_line(report, baseline, fail_on))
    return "\n".join(out) + "\n"
