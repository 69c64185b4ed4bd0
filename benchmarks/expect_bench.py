"""``expect_event`` latency: from the hit's arrival at the mock (the record's time) to
``expect_event`` returning, with the page sending the event while the test already waits."""

from __future__ import annotations

import statistics
import time
from typing import Any

from common import log

SEND_LATER = "() => setTimeout(() => window.spdt('lead', {}), 150)"


def bench_expect(quick: bool) -> dict[str, Any]:
    from fixture_sites import scenario
    from harness.lab import Harness

    rounds = 10 if quick else 30
    landing = scenario("shop-correct").page_url("landing")
    latencies: list[float] = []
    with Harness(sites=True) as lab, lab.new_context() as ctx:
        ctx.land(landing)
        ctx.expect_event("view")  # the pixel script is in and sending
        for _ in range(rounds + 1):
            ctx.mock.reset(ctx.session)  # each round waits for its own hit
            ctx.page.evaluate(SEND_LATER)
            event = ctx.expect_event("lead", timeout=5.0)
            returned = time.time()
            record = next(r for r in reversed(ctx.records()) if any(e is event for e in r.events))
            latencies.append((returned - record.time) * 1000)
    latencies = latencies[1:]  # the first one warms up
    latencies.sort()
    log(f"expect_event: median {statistics.median(latencies):.2f} ms over {rounds}")
    return {
        "rounds": rounds,
        "median_ms": round(statistics.median(latencies), 2),
        "p90_ms": round(latencies[int(len(latencies) * 0.9) - 1], 2),
        "max_ms": round(latencies[-1], 2),
        "latencies_ms": [round(x, 2) for x in latencies],
    }
