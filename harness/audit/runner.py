"""Run an audit: worker threads, each with its own Playwright and Chromium (Playwright's sync
API is bound to the thread that started it), sharing one mock (thread-safe); the calling
thread hands out pages, walks the crawl breadth-first, and enforces the total time budget.

Each worker keeps up to ``--pages-per-worker`` pages in flight (harness/browser/interleave.py):
while one page waits out its quiet period, its browser opens and loads the next. A crawl hands
out a page as soon as the page that links to it is done, yet takes each page's links in index
order, so the pages found, their indices and the report's order are those of a breadth-first
walk level by level, whatever order the pages finish in.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from harness import __version__
from harness.audit.crawl import normalise, origin, same_origin_links
from harness.audit.journeys import bind_journey
from harness.audit.lab import AuditHarness
from harness.audit.model import AuditReport, PageResult, Problem
from harness.audit.options import AuditOptions
from harness.audit.page import PageAudit, Target, rule_config
from harness.browser.interleave import Interleave
from harness.browser.remote import endpoint_label
from harness.errors import HarnessError, UsageError
from mock_endpoint.server import MockEndpoint, split_address

Progress = Callable[[int, int, str], None]
_STOP = None
JOIN_GRACE = 20.0
# How often a worker with a page in flight and a free slot looks for another page.
TAKE_POLL = 0.025


@dataclass(frozen=True, slots=True)
class _Failed:
    """A worker could not start (no browser ...): the audit as a whole fails with it."""

    error: HarnessError


@dataclass(frozen=True, slots=True)
class _Done:
    target: Target
    result: PageResult


class _Worker(threading.Thread):
    def __init__(
        self,
        *,
        options: AuditOptions,
        mock: MockEndpoint,
        tasks: queue.Queue[Target | None],
        results: queue.Queue[_Done | _Failed],
        deadline: float,
        abort: threading.Event,
        number: int = 0,
    ) -> None:
        super().__init__(name="spdt-audit-worker", daemon=True)
        # Browser servers take workers in turn: worker i connects to connect[i % n].
        servers = options.connect
        self.connect = servers[number % len(servers)] if servers else None
        remote = self.connect or options.connect_cdp
        self.label = endpoint_label(remote) if remote else "local"
        self.ready = threading.Event()  # set once its browser started (or failed to)
        self.options = options
        self.mock = mock
        self.tasks = tasks
        self.results = results
        self.deadline = deadline
        self.abort = abort

    def run(self) -> None:
        options = self.options
        try:
            lab = AuditHarness(
                catch_all=options.offline,
                trust_spki=options.trust_spki,
                mock=self.mock,
                browser=options.browser,
                headless=not options.headed,
                extra_hosts=options.host_map,
                script=options.script,
                click_id_storage=options.click_id_storage,
                connect=self.connect,
                connect_cdp=options.connect_cdp,
            )
            lab.start()
        except HarnessError as exc:
            self.results.put(_Failed(exc))
            return
        except Exception as exc:  # reported as one line, never a traceback
            self.results.put(_Failed(HarnessError(f"the browser could not start: {exc}")))
            return
        finally:
            self.ready.set()
        try:
            self._serve(lab)
        finally:
            with contextlib.suppress(Exception):
                lab.stop()

    def _serve(self, lab: AuditHarness) -> None:
        """Take pages until told to stop, up to ``pages_per_worker`` in flight."""
        slots = Interleave(lab.browser, self.options.pages_per_worker)
        stopping = False
        while True:
            while not stopping and slots.free:
                try:  # wait for a page only when none is in flight
                    target = self.tasks.get(block=not slots.busy)
                except queue.Empty:
                    break
                if target is _STOP:
                    stopping = True
                else:
                    slots.start(functools.partial(self._finish, lab, target))
            if not slots.busy:
                if stopping:
                    return
                continue
            slots.wait(TAKE_POLL if slots.free and not stopping else JOIN_GRACE)

    def _finish(self, lab: AuditHarness, target: Target) -> None:
        result = self._one(lab, target)
        self.results.put(_Done(target, replace(result, browser=self.label)))

    def _one(self, lab: AuditHarness, target: Target) -> PageResult:
        url = target.url or ""
        if self.abort.is_set():
            return PageResult(target.index, url, problem=Problem("skipped", self.abort_reason()))
        if time.monotonic() >= self.deadline:
            return PageResult(
                target.index,
                url,
                problem=Problem(
                    "timeout",
                    f"not audited: the total --timeout ({self.options.timeout:g} s) ran out",
                ),
            )
        try:
            return PageAudit(lab, target, self.options, self.deadline).run()
        except HarnessError as exc:
            return PageResult(target.index, url, problem=Problem("crashed", _line(exc)))
        except Exception as exc:  # one page's crash must not end the audit
            return PageResult(
                target.index, url, problem=Problem("crashed", f"{type(exc).__name__}: {_line(exc)}")
            )

    def abort_reason(self) -> str:
        return "not audited: an environment problem on an earlier page (see there)"


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class AuditRun:
    """One audit. ``run()`` returns the report; ``hung`` tells the CLI a worker is stuck in the
    browser past the deadline (it then exits without waiting for it)."""

    def __init__(self, options: AuditOptions, progress: Progress | None = None) -> None:
        if not options.urls and not options.journeys:
            raise UsageError("nothing to audit: give at least one URL or --journey FILE")
        if options.crawl and options.journeys:
            raise UsageError("--crawl and --journey do not go together")
        for journey in options.journeys:  # a journey that cannot run is a usage error, up front
            for base in options.urls or (None,):
                bind_journey(journey, base, click_id=not options.no_click_id)
        self.options = options
        self.progress = progress
        self.hung = False
        self._tasks: queue.Queue[Target | None] = queue.Queue()
        self._results: queue.Queue[_Done | _Failed] = queue.Queue()
        self._abort = threading.Event()
        self._workers: list[_Worker] = []
        self._started = time.monotonic()
        self.deadline = self._started + options.timeout
        self._done = 0
        self._total = 0

    # -- targets ----------------------------------------------------------------------------
    def _initial_targets(self) -> list[Target]:
        options = self.options
        if options.journeys:
            bases: list[str | None] = list(options.urls) or [None]
            pairs = [(url, j) for url in bases for j in options.journeys]
            return [Target(i, url, j) for i, (url, j) in enumerate(pairs)]
        return [Target(i, url) for i, url in enumerate(options.urls)]

    def _owned(self, target: Target) -> Target:
        shard = self.options.shard
        if shard is None or shard.owns(target.index):
            return target
        return Target(target.index, target.url, target.journey, audit=False)

    # -- workers ----------------------------------------------------------------------------
    def _ensure_workers(self, mock: MockEndpoint, wanted: int) -> None:
        wanted = max(1, min(self.options.workers, wanted))
        while len(self._workers) < wanted:
            worker = _Worker(
                options=self.options,
                mock=mock,
                tasks=self._tasks,
                results=self._results,
                deadline=self.deadline,
                abort=self._abort,
                number=len(self._workers),
            )
            worker.start()
            self._workers.append(worker)

    def _run_batch(
        self,
        mock: MockEndpoint,
        targets: list[Target],
        discover: Callable[[PageResult], list[Target]] | None = None,
        *,
        workers: int | None = None,
    ) -> dict[int, PageResult]:
        """Audit ``targets`` in parallel; results by index (missing ones timed out).
        ``discover(result)`` sees each result in the order of ``targets`` (and of what it
        returned before), whatever order they finish in, and returns more targets to audit,
        handed out at once."""
        self._ensure_workers(mock, workers or len(targets))
        if len(self.options.connect) > 1:  # every server gets pages: hand out once all are up
            for worker in self._workers:
                worker.ready.wait(max(0.0, self.deadline - time.monotonic()))
        order = list(targets)
        for target in order:
            self._tasks.put(target)
        results: dict[int, PageResult] = {}
        taken = 0  # targets whose results ``discover`` has seen
        while len(results) < len(order):
            remaining = self.deadline + JOIN_GRACE - time.monotonic()
            if remaining <= 0:
                self.hung = True
                break
            try:
                item = self._results.get(timeout=remaining)
            except queue.Empty:
                continue
            if isinstance(item, _Failed):
                raise item.error
            results[item.target.index] = self._take(item)
            while discover is not None and taken < len(order) and order[taken].index in results:
                target = order[taken]
                taken += 1
                for found in discover(results[target.index]):
                    order.append(found)
                    self._tasks.put(found)
        for target in order:
            if target.index not in results:
                results[target.index] = PageResult(
                    target.index,
                    target.url or "",
                    problem=Problem(
                        "timeout",
                        f"the page was still being audited when the total --timeout "
                        f"({self.options.timeout:g} s) ran out",
                    ),
                )
        return results

    def _take(self, item: _Done) -> PageResult:
        """A page's result, counted and shown; an environment problem stops the audit."""
        if item.target.audit:
            self._done += 1
            if self.progress is not None:
                self.progress(self._done, self._total, item.target.url or "")
        if item.result.problem is not None and item.result.problem.kind == "environment":
            self._abort.set()
        return item.result

    # -- the run ----------------------------------------------------------------------------
    def run(self) -> AuditReport:
        host, port = mock_listen(self.options.mock_listen)
        mock = MockEndpoint(
            faults=self.options.faults,
            host=host,
            port=port,
            advertise=self.options.mock_advertise,
            cert_dir=self.options.mock_cert_dir,
        )
        mock.start()
        try:
            pages = self._crawl(mock) if self.options.crawl else self._list(mock)
        finally:
            self._stop_workers()
            mock.stop()
        shard = self.options.shard
        return AuditReport(
            tool_version=__version__,
            pages=tuple(sorted(pages, key=lambda p: p.index)),
            options=self.options.to_json(),
            shards=(str(shard),) if shard else (),
            seconds=time.monotonic() - self._started,
        )

    def _list(self, mock: MockEndpoint) -> list[PageResult]:
        targets = [t for t in map(self._owned, self._initial_targets()) if t.audit]
        self._total = len(targets)
        if not targets:
            return []
        return list(self._run_batch(mock, targets).values())

    def _crawl(self, mock: MockEndpoint) -> list[PageResult]:
        options = self.options
        limit = options.crawl
        params = rule_config(options).click_id_params
        start: list[str] = []
        for url in options.urls:
            page = normalise(url, params)
            if page is None:
                raise UsageError(f"cannot crawl {url!r}: not an http(s) URL")
            if page not in start:
                start.append(page)
        origins = {origin(u) for u in start}
        seen = set(start)
        first = [self._owned(Target(i, url)) for i, url in enumerate(start[:limit])]
        late: list[PageResult] = []  # found once the total timeout had run out
        numbered = len(first)  # the index of the next page found
        self._total = sum(1 for t in first if t.audit)

        def discover(result: PageResult) -> list[Target]:
            """The pages ``result`` links to that are new, numbered in breadth-first order."""
            nonlocal numbered
            found: list[str] = []
            for link in same_origin_links(result.links, origins, params):
                if link not in seen and len(seen) < limit:
                    seen.add(link)
                    found.append(link)
            index, numbered = numbered, numbered + len(found)
            self._total += sum(1 for i in range(len(found)) if self._owned_index(index + i))
            if self._abort.is_set():
                return []
            if time.monotonic() >= self.deadline:  # the total timeout ended the crawl
                late.extend(self._timed_out(found, index))
                return []
            return [self._owned(Target(index + i, url)) for i, url in enumerate(found)]

        if not first:
            return []
        # Every worker starts now: the crawl is expected to find more pages than it starts with.
        results = self._run_batch(mock, first, discover, workers=max(len(first), limit))
        return [r for r in results.values() if self._owned_index(r.index)] + late

    def _owned_index(self, index: int) -> bool:
        shard = self.options.shard
        return shard is None or shard.owns(index)

    def _timed_out(self, level: list[str], index: int) -> list[PageResult]:
        shard = self.options.shard
        message = f"not audited: the total --timeout ({self.options.timeout:g} s) ran out"
        return [
            PageResult(index + i, url, problem=Problem("timeout", message))
            for i, url in enumerate(level)
            if not shard or shard.owns(index + i)
        ]

    def _stop_workers(self) -> None:
        for _ in self._workers:
            self._tasks.put(_STOP)
        if self.hung:
            return
        for worker in self._workers:
            worker.join(timeout=JOIN_GRACE)
            if worker.is_alive():
                self.hung = True


def mock_listen(text: str | None) -> tuple[str, int]:
    """``ADDR[:PORT]`` (``--mock-listen``) → (address, port; 0 a free one)."""
    try:
        host, port = split_address(text or "")
    except ValueError:
        raise UsageError(f"--mock-listen {text!r} is not ADDR[:PORT] (e.g. 0.0.0.0:8443)") from None
    return host or "127.0.0.1", port


def run_audit(options: AuditOptions, progress: Progress | None = None) -> AuditReport:
    return AuditRun(options, progress).run()
