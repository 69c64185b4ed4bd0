"""Verdicts and the table: every verdict computed from the figures of the results file, a cause
stated only where the same results hold the measurement behind it (a profile, a timing
breakdown, the slowest runs); otherwise it says the cause was not measured."""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cpu import describe

TABLE_START = "<!-- bench:table:start -->"
TABLE_END = "<!-- bench:table:end -->"


@dataclass(frozen=True)
class Verdict:
    met: bool | None  # None: not measured (or not comparable, e.g. a --quick subset)
    text: str

    def __str__(self) -> str:
        return self.text


def at_least(value: float, target: float, unit: str = "x") -> Verdict:
    if value >= target:
        return Verdict(True, "met")
    short = (target - value) / target * 100
    return Verdict(False, f"MISSED by {short:.0f}% ({value:g}{unit} < {target:g}{unit})")


def at_most(value: float, target: float, unit: str) -> Verdict:
    if value <= target:
        return Verdict(True, "met")
    over = (value - target) / target * 100
    return Verdict(False, f"MISSED by {over:.0f}% ({value:g} {unit} > {target:g} {unit})")


def with_cause(verdict: Verdict, cause: str | None) -> str:
    if verdict.met is not False:
        return verdict.text
    return f"{verdict.text}; " + (
        f"measured: {cause}" if cause else "cause not measured in this run"
    )


# -- causes, each from a measurement in the results ------------------------------------------
def profile_cause(results: dict[str, Any]) -> str | None:
    """Server CPU per request (the mock's against the bare handler's, same run), then the mock's
    own functions in the py-spy profile. py-spy samples wall-clock time: on a loaded machine a
    thread preempted inside ``send`` counts there, so its socket-I/O share is no CPU figure."""
    parts: list[str] = []
    ingest = results.get("ingest") or {}
    mock_cpu, bare_cpu = (
        ingest.get("mock_cpu_us_per_request"),
        ingest.get("bare_cpu_us_per_request"),
    )
    if mock_cpu and bare_cpu:
        m, b = statistics.median(mock_cpu), statistics.median(bare_cpu)
        parts.append(
            f"server CPU per request: mock {m:.0f} µs vs bare {b:.0f} µs (the mock's own work "
            f"{m - b:.0f} µs; {load(ingest)})"
        )
        later = backlog_cost(ingest)
        if later:
            parts.append(later)
    profile = results.get("profile") or {}
    functions = profile.get("mock_functions_inclusive") or {}
    own = [
        (k, v)
        for k, v in functions.items()
        if not k.startswith(("ThreadedServer", "guard", "fault_middleware", "dispatch"))
    ]
    if own:
        top = ", ".join(f"{k} {v * 100:.0f}%" for k, v in own[:3])
        parts.append(
            f"py-spy wall-clock samples of the mock (load {profile.get('load_average_at_start')})"
            f": {top}"
        )
    return "; ".join(parts) or None


# The page audit's phases that bare Playwright also has (a fresh context and page, the load);
# every other phase is work bare Playwright does not do.
SHARED_WITH_BARE = ("open", "load", "journey")


def audit_cause(audit: dict[str, Any], label: str) -> str | None:
    run = audit.get(label) or {}
    phases = (run.get("breakdown") or {}).get("median_ms") or {}
    if not phases:
        return None
    shared = sum(v for k, v in phases.items() if k in SHARED_WITH_BARE)
    extra = {k: v for k, v in phases.items() if k not in (*SHARED_WITH_BARE, "total")}
    parts = ", ".join(f"{k} {v:g}" for k, v in sorted(extra.items(), key=lambda kv: -kv[1]))
    reasons = (run.get("breakdown") or {}).get("settle_reasons") or {}
    why = "; ".join(
        f"{code} on {r['pages']} pages (median {r['median_ms']:g} ms)"
        for code, r in list(reasons.items())[:3]
    )
    quiet = run.get("quiet_ms")
    return (
        f"median ms per page: open + load {shared:g} (bare: context, page and load "
        f"{audit.get('bare_ms_per_page_per_worker')} per page per worker), then what bare does "
        f"not do: {parts}"
        + (f" (the settle includes the {quiet:g} ms quiet period)" if quiet else "")
        + (f"; settle waited for {why}" if why else "")
        + (f"; {describe(run.get('cpu'))}" if run.get("cpu") else "")
    )


def e2e_cause(e2e: dict[str, Any]) -> str | None:
    slow = e2e.get("slowest") or []
    parts = []
    if e2e.get("cpu"):
        parts.append(describe(e2e["cpu"]) or "")
    if slow:
        parts.append(
            "slowest runs: " + ", ".join(f"{r['name']} {r['seconds']:g} s" for r in slow[:3])
        )
    return "; ".join(p for p in parts if p) or None


def load(section: dict[str, Any]) -> str:
    start = section.get("load_average_at_start")
    end = section.get("load_average_at_end")
    return f"load {start}→{end}" if end is not None else f"load {start}"


# -- the rows ---------------------------------------------------------------------------------
Row = tuple[str, str, str, str]


def backlog_cost(ingest: dict[str, Any]) -> str | None:
    """What the mock does after answering: validating the run's records when they are first
    read (measured as the control API's summary right after each run)."""
    cpu = ingest.get("mock_backlog_cpu_us_per_request")
    if not cpu:
        return None
    seconds = ingest.get("mock_backlog_read_seconds") or []
    wall = f", {statistics.median(seconds):g} s per run's summary" if seconds else ""
    return (
        f"plus validation on first read: {statistics.median(cpu):.0f} µs of mock CPU per "
        f"request{wall}"
    )


def ingest_rows(results: dict[str, Any]) -> list[Row]:
    ingest = results["ingest"]
    shares = [x for x in ingest.get("generator_cpu_share", []) if x is not None]
    gen_cpu = f", wrk at most {max(shares) * 100:.0f}% of one core" if shares else ""
    ratio = ingest["ratio"] or 0.0
    rows: list[Row] = [
        (
            "mock ingest >= 0.6x bare aiohttp 204",
            f"mock {ingest['mock_rate']:.0f} req/s vs bare {ingest['bare_rate']:.0f} req/s "
            f"(median of {ingest['rounds']}; {ingest['load_generator']}{gen_cpu}, TLS; "
            f"{load(ingest)})" + (f"; {later}" if (later := backlog_cost(ingest)) else ""),
            f"{ratio:.2f}x",
            with_cause(at_least(ratio, 0.6), profile_cause(results)),
        )
    ]
    rows.append(
        (
            ">= 5,000 recorded events/s",
            f"{ingest['mock_rate']:.0f} events/s (one event per request)",
            f"{ingest['mock_rate'] / 5000:.2f} of target",
            with_cause(at_least(round(ingest["mock_rate"]), 5000, " events/s"), None),
        )
    )
    lat = "; ".join(
        f"{r['rate']}/s: p50 {r['mock']['p50_ms']} / p99 {r['mock']['p99_ms']} ms "
        f"(bare {r['bare']['p50_ms']} / {r['bare']['p99_ms']})"
        for r in ingest["fixed_rates"]
    )
    if lat:
        rows.append(("latency at fixed rates (mock vs bare)", lat, "", "measured"))
    ex = ingest["exact_count_run"]
    rows.append(
        (
            "recorded == sent",
            f"{ex['recorded']} recorded of {ex['sent']} sent + {ex.get('warmups', 0)} warm-up "
            f"(answers {ex['statuses']}); wrk "
            f"runs: recorded - answered within the in-flight window; errors {ingest['errors']}",
            "",
            "met" if ingest["recorded_equals_sent"] else "MISSED: records lost or doubled",
        )
    )
    return rows


def flow_rows(results: dict[str, Any]) -> list[Row]:
    flow = results["flow"]
    verdict = at_most(flow["ratio"], 1.2, "x")
    return [
        (
            "flow overhead <= 1.2x bare Playwright",
            f"harness {flow['harness_median_s']} s vs bare {flow['bare_median_s']} s "
            f"(median of {flow['rounds']}; {load(flow)})",
            f"{flow['ratio']:.2f}x",
            with_cause(verdict, None),
        )
    ]


def audit_rows(results: dict[str, Any]) -> list[Row]:
    audit = results["audit"]
    rows: list[Row] = []
    for label, target in (("default", 0.7), ("lean", 0.9)):
        a = audit[label]
        how = f"{label}: {' '.join(a['options'])}" if a["options"] else "defaults"
        rows.append(
            (
                f"audit --crawl {audit['pages']} >= {target}x bare ({how})",
                f"{a['pages_per_min']} pages/min vs bare {audit['bare_pages_per_min']} "
                f"({a['pages_audited']} pages, {audit['workers']} workers; {load(audit)})",
                f"{a['ratio']:.2f}x",
                with_cause(at_least(a["ratio"], target), audit_cause(audit, label)),
            )
        )
    return rows


def e2e_rows(results: dict[str, Any]) -> list[Row]:
    e2e = results["e2e"]
    passed = e2e["passed"] == e2e["runs"] and e2e["exit_code"] == 0 and e2e["runs"] > 0
    if e2e["complete"]:
        verdict = with_cause(at_most(e2e["seconds"], 120.0, "s"), e2e_cause(e2e))
    else:
        verdict = "n/a (--quick runs a sample; the target is for the whole catalogue)"
    return [
        (
            "make e2e <= 2 min, every run passing",
            f"{e2e['runs']} runs, {e2e['passed']} passed, in {e2e['seconds']} s "
            + (
                f"({e2e['seconds_per_100_runs']:g} s per 100 runs) "
                if e2e.get("seconds_per_100_runs")
                else ""
            )
            + f"(workers {e2e['workers']}; {load(e2e)})",
            "",
            verdict
            if passed
            else f"MISSED: {e2e['runs'] - e2e['passed']} runs failed"
            + (f" ({', '.join(sorted(e2e['failures']))})" if e2e.get("failures") else ""),
        )
    ]


def expect_rows(results: dict[str, Any]) -> list[Row]:
    ex = results["expect"]
    return [
        (
            "expect_event <= 50 ms (median, arrival → return)",
            f"median {ex['median_ms']} ms, p90 {ex['p90_ms']} ms, max {ex['max_ms']} ms "
            f"({ex['rounds']} rounds; {load(ex)})",
            "",
            with_cause(at_most(ex["median_ms"], 50.0, "ms"), None),
        )
    ]


def memory_rows(results: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    mem = results.get("memory_mock")
    if mem:
        rows.append(
            (
                "mock RSS flat after the cap (<= 1.1x)",
                f"{mem['rss_at_cap_mb']} MiB at 100,000 records, {mem['rss_final_mb']} MiB at "
                f"{mem['records']:,} ({load(mem)})",
                f"{mem['ratio_final_to_cap']:.2f}x",
                with_cause(at_most(mem["ratio_final_to_cap"], 1.1, "x"), None),
            )
        )
    amem = results.get("memory_audit")
    if amem and "ratio_last_to_second_quarter" in amem:
        rows.append(
            (
                f"auditor RSS, no growth per page ({amem['pages_audited']} pages, <= 1.1x)",
                f"{amem['rss_second_quarter_mb']:.1f} MiB (2nd quarter) → "
                f"{amem['rss_last_quarter_mb']:.1f} MiB (last quarter), "
                f"{amem['growth_kb_per_page']} KiB/page ({load(amem)})",
                f"{amem['ratio_last_to_second_quarter']:.2f}x",
                with_cause(at_most(amem["ratio_last_to_second_quarter"], 1.1, "x"), None),
            )
        )
    return rows


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "ingest": ingest_rows,
    "flow": flow_rows,
    "audit": audit_rows,
    "e2e": e2e_rows,
    "expect": expect_rows,
    "memory_mock": memory_rows,
}


def table(results: dict[str, Any]) -> str:
    lines = ["| target | measured (baseline, same run) | ratio | verdict |", "|---|---|---|---|"]
    for section, rows in ROWS.items():
        if section == "memory_mock":
            if results.get("memory_mock") or results.get("memory_audit"):
                lines += [f"| {' | '.join(r)} |" for r in rows(results)]
        elif results.get(section) and "error" not in results[section]:
            lines += [f"| {' | '.join(r)} |" for r in rows(results)]
    return "\n".join(lines)


def update_doc(doc: Path, results: dict[str, Any], name: str) -> bool:
    """Rewrite the table between the markers of ``doc``; False when the markers are missing."""
    if not doc.exists():
        return False
    text = doc.read_text()
    if TABLE_START not in text or TABLE_END not in text:
        return False
    block = (
        f"{TABLE_START}\nGenerated by `make bench` from `benchmarks/results/{name}` "
        f"({results['machine']}{'; --quick' if results.get('quick') else ''}). Each row's "
        "load average is the one measured when its section ran.\n\n"
        f"{table(results)}\n{TABLE_END}"
    )
    text = re.sub(
        re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), lambda _m: block, text, flags=re.S
    )
    doc.write_text(text)
    return True
