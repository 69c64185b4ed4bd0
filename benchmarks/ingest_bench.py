"""Mock ingest throughput against a bare aiohttp 204 handler (same TLS, same load), latency at
fixed rates, recorded == sent, and a py-spy profile of where the mock's time goes."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from common import (
    PY,
    RESULTS,
    cpu_seconds,
    find_wrk,
    generate,
    log,
    max_throughput,
    mock_total,
    rss_mb,
    run_wrk,
    server,
)


def bench_ingest(quick: bool) -> dict[str, Any]:
    wrk = find_wrk()
    log(f"ingest: load generator {wrk or 'python (wrk not available)'}")
    seconds = 4.0 if quick else 8.0
    rounds = 2 if quick else 3
    runs: dict[str, list[dict[str, Any]]] = {"bare": [], "mock": []}
    # The server's own CPU per answered request: throughput on a shared machine moves with the
    # neighbours, CPU per request much less; the gap between the two servers is the mock's work.
    cpu_us: dict[str, list[float]] = {"bare": [], "mock": []}
    recorded_vs_answered: list[tuple[int, int]] = []
    # The mock validates a pixel hit's events when its record is first read, not while the
    # pixel waits: what reading a run's records costs (the control API's summary right after
    # each run validates all of them) is measured too, per request of that run.
    backlog_cpu_us: list[float] = []
    backlog_seconds: list[float] = []
    rss: list[float] = []
    with server("bare") as bare, server("mock") as mock:
        for r in range(rounds):  # interleaved: a noisy neighbour hits both alike
            for kind, info in (("bare", bare), ("mock", mock)):
                before = mock_total(mock["control_port"]) if kind == "mock" else 0
                cpu_before = cpu_seconds(info["pid"])
                result = max_throughput(wrk, info["port"], seconds)
                if result["answered"]:
                    used = cpu_seconds(info["pid"]) - cpu_before
                    cpu_us[kind].append(round(used / result["answered"] * 1e6, 1))
                if kind == "mock":
                    cpu_read = cpu_seconds(info["pid"])
                    started = time.perf_counter()
                    after = mock_total(mock["control_port"])
                    backlog_seconds.append(round(time.perf_counter() - started, 3))
                    if after > before:
                        read_cpu = cpu_seconds(info["pid"]) - cpu_read
                        backlog_cpu_us.append(round(read_cpu / (after - before) * 1e6, 1))
                    recorded_vs_answered.append((after - before, result["answered"]))
                    rss.append(rss_mb(mock["pid"]))
                runs[kind].append(result)
                log(f"ingest round {r + 1} {kind}: {result['rate']:.0f} req/s")
        fixed: list[dict[str, Any]] = []
        if wrk:
            for rate in (250, 500, 1000) if quick else (250, 500, 1000, 2000):
                row: dict[str, Any] = {"rate": rate}
                for kind, info in (("bare", bare), ("mock", mock)):
                    data = run_wrk(wrk, info["port"], seconds, connections=16, rate=rate)
                    row[kind] = {
                        "achieved_rate": data["rate"],
                        "p50_ms": data["p50_us"] / 1000,
                        "p99_ms": data["p99_us"] / 1000,
                        "errors": data["non2xx"] + data["read_errors"] + data["timeouts"],
                    }
                log(
                    f"ingest fixed {rate}/s: bare {row['bare']['achieved_rate']:.0f}/s p50 "
                    f"{row['bare']['p50_ms']} ms p99 {row['bare']['p99_ms']} ms; mock "
                    f"{row['mock']['achieved_rate']:.0f}/s p50 {row['mock']['p50_ms']} ms p99 "
                    f"{row['mock']['p99_ms']} ms"
                )
                fixed.append(row)
        # Exact count: hits from separate Python processes, every one awaited.
        before = mock_total(mock["control_port"])
        exact_run = generate(mock["port"], rate=400, seconds=seconds, processes=2)
        exact_run["recorded"] = mock_total(mock["control_port"]) - before
        log(
            f"ingest exact: sent {exact_run['sent']} (+{exact_run['warmups']} warm-up), answered "
            f"{exact_run['statuses']}, recorded {exact_run['recorded']}"
        )
    bare_rate = statistics.median(r["rate"] for r in runs["bare"])
    mock_rate = statistics.median(r["rate"] for r in runs["mock"])
    # every hit and every warm-up request is answered 204 and recorded exactly once
    expected = exact_run["sent"] + exact_run["warmups"]
    exact = (
        exact_run["recorded"] == expected == exact_run["statuses"].get("204", 0)
        and exact_run["errors"] == 0
    )
    # wrk stops with requests in flight: the mock may record up to one per connection more
    # than wrk counted as answered.
    wrk_consistent = all(0 <= rec - ans <= 16 for rec, ans in recorded_vs_answered)
    return {
        "load_generator": runs["mock"][0]["tool"],
        "seconds_per_run": seconds,
        "rounds": rounds,
        "bare_rates": [r["rate"] for r in runs["bare"]],
        "mock_rates": [r["rate"] for r in runs["mock"]],
        "bare_rate": bare_rate,
        "mock_rate": mock_rate,
        "bare_cpu_us_per_request": cpu_us["bare"],
        "mock_cpu_us_per_request": cpu_us["mock"],
        "mock_backlog_cpu_us_per_request": backlog_cpu_us,
        "mock_backlog_read_seconds": backlog_seconds,
        "ratio": round(mock_rate / bare_rate, 3) if bare_rate else None,
        "generator_cpu_share": [r.get("generator_cpu_share") for r in runs["mock"] + runs["bare"]],
        "mock_p50_ms_at_max": statistics.median(r["p50_ms"] for r in runs["mock"]),
        "mock_p99_ms_at_max": statistics.median(r["p99_ms"] for r in runs["mock"]),
        "bare_p50_ms_at_max": statistics.median(r["p50_ms"] for r in runs["bare"]),
        "bare_p99_ms_at_max": statistics.median(r["p99_ms"] for r in runs["bare"]),
        "errors": sum(r["errors"] for r in runs["mock"]),
        "recorded_vs_answered_max_runs": recorded_vs_answered,
        "fixed_rates": fixed,
        "exact_count_run": exact_run,
        "recorded_equals_sent": exact and wrk_consistent,
        "mock_rss_mb": rss,
        "cores": os.cpu_count(),
    }


def _group(frame: str) -> str:  # noqa: PLR0911 - a lookup table
    """A py-spy frame → where its time goes."""
    if "mock_endpoint/validation" in frame:
        return "validation (rule table)"
    if "mock_endpoint/store.py" in frame or "mock_endpoint/session.py" in frame:
        return "record store"
    if "mock_endpoint/endpoints" in frame:
        return "endpoint handlers (parse, build record)"
    if "mock_endpoint/" in frame:
        return "dispatch and middlewares"
    if "sslproto.py" in frame or "ssl.py" in frame:
        return "TLS (asyncio sslproto, OpenSSL)"
    if "selector_events.py" in frame or "selectors.py" in frame:
        return "socket I/O (send/recv syscalls, epoll)"
    if "aiohttp/" in frame or "yarl/" in frame or "multidict/" in frame:
        return "aiohttp HTTP parsing and responses"
    if "json/" in frame:
        return "json"
    return "event loop and other"


def profile_ingest(seconds: float = 8.0) -> dict[str, Any]:
    """py-spy over the mock while wrk drives it: self time grouped by where it goes."""
    wrk = find_wrk()
    spy = shutil.which("py-spy") or str(Path(PY).parent / "py-spy")
    if not wrk or not Path(spy).exists():
        return {"error": "needs wrk and py-spy (pip install -e '.[dev]')"}
    out = RESULTS / "profile.raw"
    with server("mock") as mock:
        load = threading.Thread(
            target=run_wrk, args=(wrk, mock["port"], seconds + 2, 16), daemon=True
        )
        load.start()
        time.sleep(1)  # let wrk connect before sampling
        subprocess.run(
            [
                spy,
                "record",
                "-p",
                str(mock["pid"]),
                "-d",
                str(int(seconds)),
                "-f",
                "raw",
                "-o",
                str(out),
                "--nonblocking",
            ],
            capture_output=True,
            check=False,
            timeout=seconds + 60,
        )
        load.join()
    if not out.exists():
        return {"error": "py-spy could not attach (ptrace not permitted?)"}
    groups: dict[str, int] = {}
    functions: dict[str, int] = {}
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not any("spdt-mock" in f or "_serve" in f for f in frames):
            continue  # the main thread only waits
        n = int(count)
        total += n
        leaf = frames[-1]
        groups[_group(leaf)] = groups.get(_group(leaf), 0) + n
        for f in {f for f in frames if "mock_endpoint/" in f}:
            name = f.split(" (")[0] + " (" + f.split("mock_endpoint/")[-1].split(":")[0] + ")"
            functions[name] = functions.get(name, 0) + n
    out.unlink()
    return {
        "samples": total,
        "self_time_share": {
            k: round(v / total, 3) for k, v in sorted(groups.items(), key=lambda kv: -kv[1])
        },
        "mock_functions_inclusive": {
            k: round(v / total, 3) for k, v in sorted(functions.items(), key=lambda kv: -kv[1])[:15]
        },
    }
