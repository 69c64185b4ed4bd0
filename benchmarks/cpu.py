"""Where the CPU went while a benchmark ran: the machine's busy share (/proc/stat) and CPU
seconds by kind of process (Chromium's renderer, browser and GPU processes, Playwright's Node
driver, Python), sampled from /proc every 0.2 s.

Short-lived processes (a renderer that lives for one page) are seen at their last sample, so a
kind's figure can fall short by up to 0.2 s of CPU per process; the busy share has no such gap.

    with CpuSampler() as cpu:
        run_the_benchmark()
    cpu.figures()  # {"busy_share_of_all_cores": 0.94, "cores": 2, "seconds_by_kind": {...}}
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

INTERVAL = 0.2
TICK = os.sysconf("SC_CLK_TCK")


def _busy_and_total() -> tuple[int, int]:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _chromium_kind(words: list[str]) -> str:
    kind = next((w.removeprefix("--type=") for w in words if w.startswith("--type=")), "browser")
    if kind == "utility":
        sub = next((w for w in words if w.startswith("--utility-sub-type=")), "")
        kind += ":" + sub.removeprefix("--utility-sub-type=").split(".")[0]
    return f"chromium {kind}"


def _kind(pid: str) -> str | None:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    # Chromium rewrites its command line as one space-separated string
    words = raw.replace(b"\0", b" ").decode("utf-8", "replace").split()
    if not words:
        return None  # a kernel thread
    if "chrom" in words[0]:
        return _chromium_kind(words)
    if words[0].endswith("node") or "/driver/node" in " ".join(words):
        return "playwright driver (node)"
    return "python" if "python" in Path(words[0]).name else "other"


class CpuSampler:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="cpu-sampler")
        self._last: dict[str, tuple[str, int]] = {}  # pid: (kind, CPU ticks at last sample)
        self._first: dict[str, int] = {}  # pid: CPU ticks when first seen (0 if born after)
        self._known: set[str] = set()
        self._busy0 = self._total0 = self._busy1 = self._total1 = 0

    def _sample(self, *, initial: bool = False) -> None:
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            if pid not in self._last:
                kind = _kind(pid)
                if kind is None:
                    continue
                self._first[pid] = ticks if initial else 0
                self._last[pid] = (kind, ticks)
            else:
                self._last[pid] = (self._last[pid][0], ticks)

    def _run(self) -> None:
        while not self._stop.wait(INTERVAL):
            self._sample()

    def __enter__(self) -> CpuSampler:
        self._sample(initial=True)
        self._busy0, self._total0 = _busy_and_total()
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self._busy1, self._total1 = _busy_and_total()

    def figures(self) -> dict[str, Any]:
        by_kind: dict[str, float] = {}
        for pid, (kind, ticks) in self._last.items():
            used = (ticks - self._first.get(pid, 0)) / TICK
            if used > 0:
                by_kind[kind] = by_kind.get(kind, 0.0) + used
        total = max(1, self._total1 - self._total0)
        return {
            "busy_share_of_all_cores": round((self._busy1 - self._busy0) / total, 3),
            "cores": os.cpu_count(),
            "busy_cpu_seconds": round((self._busy1 - self._busy0) / TICK, 1),
            "seconds_by_kind": {
                k: round(v, 1)
                for k, v in sorted(by_kind.items(), key=lambda kv: -kv[1])
                if v >= 0.1
            },
        }


def describe(figures: dict[str, Any] | None, top: int = 3) -> str | None:
    """A line such as: the 2 cores 94% busy (CPU s: chromium renderer 110, ...)."""
    if not figures:
        return None
    kinds = list((figures.get("seconds_by_kind") or {}).items())[:top]
    shown = ", ".join(f"{k} {v:g}" for k, v in kinds)
    return (
        f"the {figures.get('cores')} cores {figures['busy_share_of_all_cores'] * 100:.0f}% busy"
        + (f" (CPU s: {shown})" if shown else "")
    )
