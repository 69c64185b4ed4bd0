"""``spdt-harness e2e`` (what ``make e2e`` runs) as users run it: wall time for the catalogue,
every run passing, and the slowest scenarios (the measured cause when the target is missed)."""

from __future__ import annotations

import re
import subprocess
import tempfile
import time
from typing import Any

from common import PY, ROOT, log
from cpu import CpuSampler

# --quick: a sample across the catalogue (the slow tag manager included); the verdict on the
# two-minute target needs the whole catalogue.
QUICK = (
    "shop-correct",
    "tag-manager-delayed",
    "no-base-code",
    "consent-gated-correct",
    "spa-correct",
)
LINE = re.compile(r"^\[\s*\d+/(\d+)\] (PASS|FAIL)\s+(\S+)\s+([\d.]+)s$")


def bench_e2e(quick: bool, workers: int | None = None) -> dict[str, Any]:
    scenarios = list(QUICK) if quick else []
    with tempfile.TemporaryDirectory() as out:
        cmd = [PY, "-m", "harness.cli.main", "e2e", *scenarios, "--output", out]
        if workers:
            cmd += ["--workers", str(workers)]
        log(f"e2e: {' '.join(cmd[3:])}")
        started = time.perf_counter()
        with CpuSampler() as cpu:
            done = subprocess.run(
                cmd, capture_output=True, text=True, cwd=ROOT, timeout=3600, check=False
            )
        seconds = time.perf_counter() - started
    runs: list[tuple[str, bool, float]] = []
    failures: dict[str, list[str]] = {}  # each failed run and the lines that explain it
    current: list[str] | None = None
    for line in done.stdout.splitlines():
        match = LINE.match(line.strip())
        if match:
            runs.append((match[3], match[2] == "PASS", float(match[4])))
            current = failures.setdefault(match[3], []) if match[2] != "PASS" else None
        elif current is not None and line.startswith(" ") and line.strip():
            current.append(line.strip())
        else:
            current = None
    slowest = [
        {"name": name, "ok": ok, "seconds": secs}
        for name, ok, secs in sorted(runs, key=lambda r: -r[2])[:5]
    ]
    log(f"e2e: {len(runs)} runs in {seconds:.1f} s, exit {done.returncode}")
    return {
        "scenarios": "all" if not quick else list(QUICK),
        "workers": workers or "default",
        "runs": len(runs),
        "passed": sum(1 for _, ok, _ in runs if ok),
        "exit_code": done.returncode,
        "seconds": round(seconds, 1),
        "seconds_per_100_runs": round(seconds / len(runs) * 100, 1) if runs else None,
        "cpu": cpu.figures(),
        "complete": not quick,
        "sum_of_run_seconds": round(sum(secs for _, _, secs in runs), 1),
        "slowest": slowest,
        "failures": failures,
    }
