"""Pages per minute per worker, locally and through Playwright browser servers on this machine
(docs/scaling.md): ``spdt-harness audit --crawl N`` of the benchmark site, default options, as
users run it, with ``--workers W`` local, then ``--connect`` to one and to two
``playwright run-server --unsafe`` processes on loopback.

    .venv/bin/python benchmarks/remote_bench.py [--pages 30] [--rounds 1]

Writes benchmarks/results/remote-<UTC date>T<HHMM>.json (when it started). Every run records
the load average (1 min) before and after it, its wall time, and the CPU seconds it cost in all
(the audit with its Chromiums, and the browser servers with theirs: each run starts its servers
afresh): on a shared machine the wall time says how busy the machine was, the CPU time what a
page costs.
Loopback only.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import resource
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from benchsite import BenchSite
from common import PY, RESULTS, load_average, log

from harness.browser.discovery import find_browser

PLAYWRIGHT = Path(PY).with_name("playwright")
_LISTENING = re.compile(r"Listening on (ws://\S+)")


class RunServer:
    """``playwright run-server --unsafe`` on loopback, as a child process."""

    def __init__(self) -> None:
        argv = [str(PLAYWRIGHT), "run-server", "--port", "0", "--host", "127.0.0.1", "--unsafe"]
        self.process = subprocess.Popen(  # a session of its own: stop() signals the driver too
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        for _ in range(200):
            line = self.process.stdout.readline()
            found = _LISTENING.search(line)
            if found:
                self.endpoint = found.group(1)
                return
            if not line:
                break
        self.stop()
        raise RuntimeError("run-server did not print its endpoint")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(20)
        if self.process.stdout is not None:
            self.process.stdout.close()


def session_cpu(sid: int) -> float:
    """CPU seconds of the live processes of session ``sid`` (a browser server: its wrapper,
    Node driver and Chromiums), each with the children it already reaped."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[3]) == sid:  # fields[0] is the state (field 3 of proc(5))
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / tick


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def audit(start: str, pages: int, workers: int, servers: int, out: Path) -> dict[str, Any]:
    """One audit of the crawl, through ``servers`` fresh browser servers (0: local)."""
    fleet = [RunServer() for _ in range(servers)]
    remote = [a for server in fleet for a in ("--connect", server.endpoint)]
    if fleet:  # the executable the servers launch
        remote += ["--browser", str(find_browser().path)]
    cmd = [PY, "-m", "harness.cli.main", "audit", start, "--crawl", str(pages)]
    cmd += ["--script", "emulated", "--offline", "--format", "json", "--output", str(out)]
    cmd += ["--workers", str(workers), *remote]
    out.unlink(missing_ok=True)
    load_before = load_average()
    local_before = children_cpu()
    servers_before = sum(session_cpu(s.process.pid) for s in fleet)
    started = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=3600, check=False)
        seconds = time.perf_counter() - started
        server_cpu = sum(session_cpu(s.process.pid) for s in fleet) - servers_before
        cpu = children_cpu() - local_before + server_cpu
    finally:
        for server in fleet:
            server.stop()
    report = json.loads(out.read_text()) if out.exists() else {}
    audited = [p for p in report.get("pages", []) if not p.get("problem")]
    events = [int(p.get("counts", {}).get("events", 0)) for p in audited]
    records = [int(p.get("counts", {}).get("records", 0)) for p in audited]
    per_min = len(audited) / seconds * 60
    return {
        "workers": workers,
        "browser_servers": servers,
        "seconds": round(seconds, 2),
        "exit_code": done.returncode,
        "stderr_tail": done.stderr[-300:] if done.returncode not in (0, 1) else "",
        "pages_audited": len(audited),
        "pages_per_min": round(per_min, 1),
        "pages_per_min_per_worker": round(per_min / workers, 1),
        "cpu_seconds": round(cpu, 1),
        "cpu_seconds_per_page": round(cpu / len(audited), 2) if audited else None,
        "server_cpu_seconds": round(server_cpu, 1),
        "events_per_page": round(sum(events) / len(events), 2) if events else None,
        "records_per_page": round(sum(records) / len(records), 2) if records else None,
        "browsers": sorted({str(p.get("browser")) for p in audited}),
        "load_before": load_before,
        "load_after": load_average(),
    }


# (setup, --workers, browser servers)
PLANS: tuple[tuple[str, int, int], ...] = (
    ("local", 1, 0),
    ("local", 2, 0),
    ("one server", 1, 1),
    ("one server", 2, 1),
    ("two servers", 2, 2),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    out = RESULTS / "remote-bench.json"
    results: dict[str, Any] = {"pages": args.pages, "cores": os.cpu_count(), "runs": []}
    results["ran_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    try:
        with BenchSite(args.pages) as site:
            for r in range(args.rounds):
                for label, workers, servers in PLANS:
                    log(f"round {r + 1}: {label}, --workers {workers}")
                    run = audit(site.url(0), args.pages, workers, servers, out)
                    run["setup"] = label
                    run["round"] = r + 1
                    results["runs"].append(run)
                    log(json.dumps(run))
    finally:
        out.unlink(missing_ok=True)
    stamp = results["ran_at"][:16].replace(":", "")  # 2026-12-02T0027: one file per run
    path = RESULTS / f"remote-{stamp}.json"
    path.write_text(json.dumps(results, indent=1) + "\n")
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
