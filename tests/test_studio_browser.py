"""A journey in Chromium against the shop fixture: a campaign click, the landing, the purchase,
with the simulated clock moved in between; the attribution is asserted both ways."""

from __future__ import annotations

import pytest

from fixture_sites import scenario
from harness.context import PixelContext
from harness.flows import parse_journey, run_journey
from mock_endpoint.studio import StudioState

pytestmark = pytest.mark.browser


def journey(days: int, expect: dict[str, str]) -> list[dict[str, object]]:
    shop = scenario("shop-correct")
    return [
        {"expose": {"kind": "click", "placement": "companion", "campaign": "spring"}},
        {"land": shop.page_url("landing")},
        {"click": "#to-product"},
        {"advance": "1d"},
        {"click": "#to-checkout"},
        {"advance": f"{days - 1}d"},
        {"click": "#place-order"},
        {"expect_attribution": {"event": "purchase", **expect}},
    ]


def test_purchase_13_days_after_the_click_is_click_through(
    spdt_context: PixelContext, spdt_studio: StudioState
) -> None:
    ctx = spdt_context
    result = run_journey(ctx, parse_journey(journey(13, {"as": "click", "campaign": "spring"})))
    assert result.ok, [(s.step.describe(), s.message) for s in result.steps if not s.ok]
    answers = spdt_studio.attribution(ctx.records())
    (answer,) = [a for a in answers if a.conversion.event == "purchase"]
    assert answer.verdict == "click"
    assert answer.exposure is not None
    assert (answer.exposure.placement, answer.conversion.click_id) == (
        "companion",
        answer.exposure.click_id,
    )
    assert answer.after is not None
    assert 13 * 86_400 <= answer.after < 13 * 86_400 + 120  # 13 days + the journey's wall time


def test_purchase_15_days_after_the_click_is_outside_the_window(
    spdt_context: PixelContext, spdt_studio: StudioState
) -> None:
    ctx = spdt_context
    passed = run_journey(ctx, parse_journey(journey(15, {"as": "none", "reason": "window"})))
    wrong = run_journey(ctx, parse_journey(journey(15, {"as": "click"})))
    answers = spdt_studio.attribution(ctx.records())
    assert passed.ok, [(s.step.describe(), s.message) for s in passed.steps if not s.ok]
    purchases = [a for a in answers if a.conversion.event == "purchase"]
    assert [(a.verdict, a.reason) for a in purchases] == [("none", "window"), ("none", "duplicate")]
    assert purchases[0].over is not None
    assert 86_400 <= purchases[0].over < 86_400 + 120
    failed = [s for s in wrong.steps if not s.ok]
    assert [s.step.verb for s in failed] == ["expect_attribution"]
    assert failed[0].message.startswith("expected purchase attributed as=click; got as=none")
