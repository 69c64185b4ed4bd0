"""A harness flow (capture, recorder, expect_event) against the same walk in bare Playwright."""

from __future__ import annotations

import statistics
import time
from typing import Any

from common import log


def bench_flow(quick: bool) -> dict[str, Any]:
    from fixture_sites import scenario
    from harness.context import new_click_id, with_query_param
    from harness.flows.journey import parse_journey
    from harness.flows.runner import run_journey
    from harness.lab import Harness

    shop = scenario("shop-correct")
    landing = shop.page_url("landing")
    steps = [
        {"land": landing},
        {"click": "#to-product"},
        {"click": "#to-checkout"},
        {"click": "#place-order"},
        {"expect_event": {"name": "purchase"}},
    ]
    journey = parse_journey(steps)
    rounds = 3 if quick else 7
    harness_times: list[float] = []
    bare_times: list[float] = []
    with Harness(sites=True) as lab:
        assert lab.browser is not None

        def harness_flow() -> float:
            started = time.perf_counter()
            with lab.new_context() as ctx:
                result = run_journey(ctx, journey, click_id=new_click_id(), stop_on_error=True)
                assert not result.unmet, [r.message for r in result.unmet]
            return time.perf_counter() - started

        def bare_flow() -> float:
            assert lab.browser is not None
            started = time.perf_counter()
            context = lab.browser.new_context()
            try:
                page = context.new_page()
                page.goto(with_query_param(landing, "spclid", new_click_id()), wait_until="load")
                page.click("#to-product")
                page.wait_for_load_state("load")
                page.click("#to-checkout")
                page.wait_for_load_state("load")

                def is_purchase(response: Any) -> bool:
                    data = response.request.post_data or ""
                    return "/v1/ingest" in response.url and '"purchase"' in data

                with page.expect_response(is_purchase, timeout=15_000):
                    page.click("#place-order")
            finally:
                context.close()
            return time.perf_counter() - started

        harness_flow()
        bare_flow()  # warm both (script cache, JIT of the servers)
        for r in range(rounds):
            harness_times.append(harness_flow())
            bare_times.append(bare_flow())
            log(
                f"flow round {r + 1}: harness {harness_times[-1]:.2f} s, "
                f"bare {bare_times[-1]:.2f} s"
            )
    h = statistics.median(harness_times)
    b = statistics.median(bare_times)
    return {
        "rounds": rounds,
        "harness_s": [round(x, 3) for x in harness_times],
        "bare_s": [round(x, 3) for x in bare_times],
        "harness_median_s": round(h, 3),
        "bare_median_s": round(b, 3),
        "ratio": round(h / b, 3),
    }
