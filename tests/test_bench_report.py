"""The benchmark report's verdicts come from the figures, and its causes from measurements:
the CPU sampler measures a real process, and the verdicts follow the numbers they are given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from cpu import CpuSampler, describe
from report import audit_cause, backlog_cost, e2e_rows

BURN = (
    "import time\n"
    "while time.process_time() < 0.5:\n"
    "    pass\n"
    "time.sleep(0.5)  # alive past the sampler's next look\n"
)


def test_the_cpu_sampler_counts_a_child_process_cpu_time() -> None:
    with CpuSampler() as cpu:
        subprocess.run([sys.executable, "-c", BURN], check=True)
    figures = cpu.figures()
    assert figures["seconds_by_kind"]["python"] >= 0.45, figures
    assert figures["busy_cpu_seconds"] >= 0.45, figures
    assert 0 < figures["busy_share_of_all_cores"] <= 1


def _e2e(seconds: float, runs: int = 142, cpu: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "e2e": {
            "runs": runs,
            "passed": runs,
            "exit_code": 0,
            "seconds": seconds,
            "seconds_per_100_runs": round(seconds / runs * 100, 1),
            "complete": True,
            "workers": 3,
            "slowest": [{"name": "tag-manager-delayed[spclid]", "ok": True, "seconds": 8.9}],
            "failures": {},
            "cpu": cpu,
            "load_average_at_start": 1.0,
        }
    }


def test_e2e_verdict_follows_the_whole_catalogue_time_and_names_the_measured_cause() -> None:
    busy = {
        "busy_share_of_all_cores": 0.94,
        "cores": 2,
        "seconds_by_kind": {"chromium renderer": 110.0, "chromium browser": 80.5},
    }
    ((_target, measured, _ratio, verdict),) = e2e_rows(_e2e(139.0, cpu=busy))
    assert "142 runs, 142 passed, in 139.0 s (97.9 s per 100 runs)" in measured
    assert verdict.startswith("MISSED by 16% (139 s > 120 s); measured: the 2 cores 94% busy")
    assert "chromium renderer 110" in verdict
    assert "tag-manager-delayed[spclid] 8.9 s" in verdict
    ((*_, met),) = e2e_rows(_e2e(119.9))
    assert met == "met"


def test_audit_cause_separates_what_bare_playwright_also_does() -> None:
    audit = {
        "bare_ms_per_page_per_worker": 986.5,
        "lean": {
            "quiet_ms": 200.0,
            "breakdown": {
                "median_ms": {
                    "open": 304.0,
                    "load": 198.0,
                    "settle": 255.0,
                    "snapshot": 31.0,
                    "rules": 1.0,
                    "report": 8.0,
                    "total": 949.0,
                },
                "settle_reasons": {},
            },
        },
    }
    cause = audit_cause(audit, "lean")
    assert cause is not None
    assert cause.startswith("median ms per page: open + load 502 (bare: context, page and load ")
    assert "what bare does not do: settle 255, snapshot 31, report 8, rules 1" in cause
    assert "(the settle includes the 200 ms quiet period)" in cause
    assert audit_cause({"lean": {}}, "lean") is None


def test_describe_says_nothing_without_figures() -> None:
    assert describe(None) is None
    assert describe({"busy_share_of_all_cores": 0.5, "cores": 2, "seconds_by_kind": {}}) == (
        "the 2 cores 50% busy"
    )


def test_the_ingest_row_names_what_validating_on_first_read_costs() -> None:
    ingest = {"mock_backlog_cpu_us_per_request": [30.0, 20.0, 25.0]}
    ingest["mock_backlog_read_seconds"] = [1.5, 1.0, 2.0]
    assert backlog_cost(ingest) == (
        "plus validation on first read: 25 µs of mock CPU per request, 1.5 s per run's summary"
    )
    assert backlog_cost({}) is None
