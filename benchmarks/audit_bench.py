"""Audit throughput (``spdt-harness audit --crawl 50``, defaults and lean) against bare
Playwright page loads of the same pages, with the per-page timing breakdown that explains it."""

from __future__ import annotations

import contextlib
import json
import statistics
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import PY, RESULTS, ROOT, log, rss_mb
from cpu import CpuSampler


def run_cli_audit(
    urls: list[str], crawl: int, out: Path, extra: list[str]
) -> tuple[float, int, Any]:
    """Run ``spdt-harness audit`` as users do; (seconds, exit code, peak RSS samples)."""
    cmd = [
        PY,
        "-m",
        "harness.cli.main",
        "audit",
        *urls,
        "--crawl",
        str(crawl),
        "--script",
        "emulated",
        "--offline",
        "--format",
        "json",
        "--output",
        str(out),
        *extra,
    ]
    samples: list[tuple[float, float]] = []
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.5):
            with contextlib.suppress(OSError):
                samples.append((time.perf_counter() - started, rss_mb(proc.pid)))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _out, err = proc.communicate(timeout=3600)
    stop.set()
    sampler.join()
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        log(f"audit exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return elapsed, proc.returncode, samples


def _bare_load(urls: list[str], workers: int, host_map: dict[str, str], spki: str) -> float:
    """Bare Playwright: ``workers`` threads, one Chromium each (as the auditor), load every URL
    once and wait for ``load``."""
    from playwright.sync_api import sync_playwright

    from harness.browser.discovery import find_browser
    from harness.browser.launch import HostMap, launch_args

    executable = find_browser()
    queue = list(urls)
    lock = threading.Lock()

    def worker() -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(executable.path),
                args=launch_args(HostMap(host_map), [spki]),
            )
            try:
                while True:
                    with lock:
                        if not queue:
                            return
                        url = queue.pop()
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(url, wait_until="load")
                    context.close()
            finally:
                browser.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


LEAN = ["--quiet", "0.2", "--no-noscript", "--no-screenshots"]


def _quiet_ms(report: dict[str, Any]) -> float | None:
    quiet = (report.get("options") or {}).get("quiet")
    return round(float(quiet) * 1000, 1) if isinstance(quiet, int | float) else None


def breakdown(report: dict[str, Any]) -> dict[str, Any]:
    """Where a page's time went (median ms per phase over the audited pages), and why pages
    waited to settle (how many pages each reason held on, and its median wait)."""
    phases: dict[str, list[float]] = {}
    reasons: Counter[str] = Counter()
    waits: dict[str, list[float]] = {}
    for page in report.get("pages", []):
        for phase, ms in page.get("timings", {}).items():
            phases.setdefault(phase, []).append(float(ms))
        for entry in page.get("timeline", []):
            if entry.get("stage") != "settle":
                continue
            for part in str(entry.get("detail", "")).split("; "):
                if part.startswith("waited for "):
                    code, _, rest = part.removeprefix("waited for ").partition(" ")
                    reasons[code] += 1
                    with contextlib.suppress(ValueError):
                        waits.setdefault(code, []).append(float(rest.split(" ms")[0]))
    return {
        "median_ms": {k: round(statistics.median(v), 1) for k, v in sorted(phases.items())},
        "settle_reasons": {
            code: {"pages": n, "median_ms": round(statistics.median(waits.get(code) or [0]), 1)}
            for code, n in reasons.most_common()
        },
    }


def bench_audit(quick: bool) -> dict[str, Any]:
    from benchsite import BenchSite

    from mock_endpoint.server import MockEndpoint

    pages = 50
    rounds = 1 if quick else 2
    out = RESULTS / "audit-bench.json"
    results: dict[str, Any] = {"pages": pages, "workers": 2, "rounds": rounds}
    bare_runs: list[float] = []
    runs: dict[str, list[dict[str, Any]]] = {"default": [], "lean": []}
    with BenchSite(pages) as site, MockEndpoint() as mock:
        for r in range(rounds):  # interleaved: bare, default, lean, bare, ...
            log(f"audit round {r + 1}: bare Playwright over the same pages")
            bare_runs.append(_bare_load(site.urls(), 2, mock.host_map(), mock.spki))
            for label, extra in (("default", []), ("lean", LEAN)):
                log(f"audit ({label}): spdt-harness audit --crawl {pages} {' '.join(extra)}")
                with CpuSampler() as cpu:
                    seconds, code, samples = run_cli_audit([site.url(0)], pages, out, extra)
                report = json.loads(out.read_text()) if out.exists() else {}
                audited = len(report.get("pages", []))
                runs[label].append(
                    {
                        "seconds": round(seconds, 2),
                        "exit_code": code,
                        "pages_audited": audited,
                        "pages_per_min": round(audited / seconds * 60, 1),
                        "peak_rss_mb": max((s for _t, s in samples), default=None),
                        "breakdown": breakdown(report),
                        "cpu": cpu.figures(),
                        "ms_per_page_per_worker": round(seconds / max(1, audited) * 2 * 1000, 1),
                        # the quiet period the run settled for, as its report states it
                        "quiet_ms": _quiet_ms(report),
                    }
                )
                log(f"audit ({label}): {audited} pages in {seconds:.1f} s, exit {code}")
    out.unlink(missing_ok=True)
    bare = statistics.median(bare_runs)
    results["bare_seconds"] = [round(b, 2) for b in bare_runs]
    results["bare_pages_per_min"] = round(pages / bare * 60, 1)
    results["bare_ms_per_page_per_worker"] = round(bare / pages * 2 * 1000, 1)
    for label, extra in (("default", []), ("lean", LEAN)):
        best = sorted(runs[label], key=lambda x: x["pages_per_min"])[(len(runs[label]) - 1) // 2]
        results[label] = {
            "options": extra,
            "runs": runs[label],
            "pages_per_min": best["pages_per_min"],
            "pages_audited": best["pages_audited"],
            "exit_code": best["exit_code"],
            "breakdown": best["breakdown"],
            "cpu": best["cpu"],
            "ms_per_page_per_worker": best["ms_per_page_per_worker"],
            "quiet_ms": best["quiet_ms"],
            "ratio": round(best["pages_per_min"] / results["bare_pages_per_min"], 3),
        }
    return results
