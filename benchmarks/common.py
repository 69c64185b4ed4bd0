"""What every benchmark module shares: paths, logging, the server processes, wrk.

Benchmarks live one per module (``ingest_bench``, ``flow_bench``, ``audit_bench``,
``memory_bench``, ``e2e_bench``, ``expect_bench``); ``report`` turns their figures into
verdicts and the table; ``bench.py`` runs them.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
BENCH = ROOT / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from loadgen import generate as generate  # noqa: E402 - re-exported for ingest_bench

RESULTS = ROOT / "benchmarks" / "results"
PY = sys.executable


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def rss_mb(pid: int) -> float:
    """Resident set size of one process (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def find_wrk() -> str | None:
    """``wrk`` from PATH, or None: the ingest benchmark then falls back to the Python load
    generator and says so. Installing it is a setup step (``make bench`` does it), never a side
    effect of a benchmark."""
    return shutil.which("wrk")


@contextlib.contextmanager
def server(kind: str, *extra: str) -> Iterator[dict[str, int]]:
    """benchmarks/servers.py in a process of its own: {"port", "pid"}."""
    proc = subprocess.Popen(
        [PY, str(ROOT / "benchmarks" / "servers.py"), kind, *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert proc.stdout is not None
    assert proc.stdin is not None
    info = json.loads(proc.stdout.readline())
    try:
        yield info
    finally:
        proc.stdin.close()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def mock_total(control_port: int) -> int:
    """Records the mock ever stored (``last_id``: ids are never reused, also past the cap)."""
    import ssl
    import urllib.request

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    request = urllib.request.Request(f"https://127.0.0.1:{control_port}/__spdt/summary")
    with urllib.request.urlopen(request, context=context, timeout=30) as answer:  # noqa: S310
        return int(json.load(answer)["last_id"])


def run_wrk(
    wrk: str, port: int, seconds: float, connections: int, rate: float = 0
) -> dict[str, Any]:
    """wrk as fast as it goes, or (``rate``) each connection pausing so that all together
    send about ``rate`` requests/s (``delay()`` in ingest.lua)."""
    env = dict(os.environ)
    env.pop("WRK_DELAY_MS", None)
    if rate:
        env["WRK_DELAY_MS"] = str(max(1, round(connections * 1000 / rate)))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "benchmarks" / "ingest.lua"),
            f"https://127.0.0.1:{port}/v1/ingest",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
        env=env,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("WRK_JSON "))
    data: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    data["rate"] = round(data["requests"] / (data["duration_us"] / 1e6), 1)
    # wrk's own CPU time over the run: evidence that the generator is not the bottleneck.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    data["generator_cpu_share"] = round(cpu / (data["duration_us"] / 1e6), 3)
    return data


def max_throughput(wrk: str | None, port: int, seconds: float) -> dict[str, Any]:
    if wrk:
        data = run_wrk(wrk, port, seconds, connections=16)
        return {
            "tool": "wrk -t1 -c16",
            "rate": data["rate"],
            "answered": data["requests"],
            "errors": data["non2xx"]
            + data["connect_errors"]
            + data["read_errors"]
            + data["write_errors"]
            + data["timeouts"],
            "p50_ms": data["p50_us"] / 1000,
            "p99_ms": data["p99_us"] / 1000,
            "generator_cpu_share": data["generator_cpu_share"],
        }
    data = generate(port, rate=0, seconds=seconds, processes=2, connections=16)
    return {
        "tool": "python closed loop, 2 processes x 16",
        "rate": data["achieved_rate"],
        "answered": data["answered"],
        "errors": data["errors"] + sum(n for s, n in data["statuses"].items() if s[0] != "2"),
        "p50_ms": data["p50_ms"],
        "p99_ms": data["p99_ms"],
    }
