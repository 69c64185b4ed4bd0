"""``make bench``: each benchmark in a module of its own, each figure a ratio against a baseline
(or a median) measured in the same run, each verdict computed from the figures.

    .venv/bin/python benchmarks/bench.py [--only ingest,profile,flow,audit,e2e,expect,...]
                                         [--quick] [--no-doc]

Writes benchmarks/results/<UTC date>.json and rewrites the table in docs/benchmarks.md between
its markers (report.py). Loopback only. Needs ``wrk`` on PATH for the ingest figures (``make
bench`` installs Debian's package first; without it a Python load generator is used and named).
See docs/benchmarks.md for the method.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit_bench import bench_audit
from common import RESULTS, ROOT, load_average, log
from e2e_bench import bench_e2e
from expect_bench import bench_expect
from flow_bench import bench_flow
from ingest_bench import bench_ingest, profile_ingest
from memory_bench import bench_memory_audit, bench_memory_mock
from report import table, update_doc

DOC = ROOT / "docs" / "benchmarks.md"

SECTIONS: dict[str, Callable[[bool], dict[str, Any]]] = {
    "ingest": bench_ingest,
    "profile": lambda quick: profile_ingest(4.0 if quick else 8.0),
    "flow": bench_flow,
    "expect": bench_expect,
    "audit": bench_audit,
    "e2e": bench_e2e,
    "memory_mock": bench_memory_mock,
    "memory_audit": bench_memory_audit,
}


def _browser() -> str:
    """The Chromium every benchmark drives (and bare Playwright too): its version and path."""
    from harness.browser.discovery import find_browser
    from harness.errors import BrowserNotFoundError

    try:
        path = find_browser().path
    except BrowserNotFoundError as exc:
        return f"no browser ({exc})"
    if path is None:
        return "Playwright's managed Chromium"
    try:
        done = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        version = done.stdout.strip() or "version unknown"
    except (OSError, subprocess.TimeoutExpired):
        version = "version unknown"
    return f"{version} at {path}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", help=f"comma-separated: {','.join(SECTIONS)}")
    parser.add_argument("--quick", action="store_true", help="shorter runs (a smoke test)")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/benchmarks.md alone")
    args = parser.parse_args()
    wanted = args.only.split(",") if args.only else list(SECTIONS)
    unknown = [w for w in wanted if w not in SECTIONS]
    if unknown:
        print(f"UsageError: unknown section(s) {unknown}; choose from {list(SECTIONS)}")
        return 2
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"{dt.datetime.now(dt.UTC).date().isoformat()}.json"
    path = RESULTS / name
    results: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    results["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{_browser()}"
    )
    results["quick"] = args.quick
    for section in wanted:
        started = time.perf_counter()
        before = load_average()
        results[section] = SECTIONS[section](args.quick)
        results[section]["load_average_at_start"] = before
        results[section]["load_average_at_end"] = load_average()
        results[section]["ran_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        results[section]["bench_seconds"] = round(time.perf_counter() - started, 1)
        path.write_text(json.dumps(results, indent=2) + "\n")
    log(f"wrote {path.relative_to(ROOT)}")
    print(table(results))
    if not args.no_doc:
        update_doc(DOC, results, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
