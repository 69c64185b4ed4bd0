"""The studio model (mock_endpoint.studio) on hand-built records: attribution windows and their
edges, the simulated clock, pixel status rules and audience rules."""

from __future__ import annotations

from typing import Any

import pytest

from harness.audit.summary import summarise
from harness.capture.timeline import Timeline
from harness.rules import RuleConfig
from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from mock_endpoint.studio import (
    Campaign,
    Exposure,
    SimClock,
    StudioError,
    StudioState,
    attribute,
    pixel_status,
)
from mock_endpoint.studio.audiences import AudienceRule, evaluate
from mock_endpoint.studio.campaigns import load_studio_data
from mock_endpoint.studio.clock import parse_duration
from mock_endpoint.studio.state import from_file_data
from mock_endpoint.vocab import RecordKind

KEY = "0123456789abcdef0123456789abcdef"
T0 = 1_790_000_000.0  # 2026-09-21T13:33:20Z
DAY = 86_400.0
HOUR = 3_600.0


def rec(
    rid: int,
    t: float,
    name: str = "purchase",
    *,
    click_id: str | None = None,
    device_id: str | None = None,
    ua: str = "UA-1",
    event_id: str | None = None,
    valid: bool = True,
    kind: RecordKind = "ingest",
    key: str | None = KEY,
    url: str = "https://shop.test/thanks",
    **params: Any,
) -> Record:
    return Record(
        id=rid,
        time=t,
        session="s",
        host="pixels.spotify.com",
        method="POST",
        path="/v1/ingest",
        kind=kind,
        status=204,
        user_agent=ua,
        page=url,
        events=(PixelEvent(name, key, params, url, click_id, device_id, event_id),),
        findings=()
        if valid
        else (ValidationFinding("INVALID_VALUE", "error", "value is not a number"),),
    )


def click(t: float, cid: str = "c1", campaign: str = "cmp", placement: str = "cta") -> Exposure:
    return Exposure(campaign, "click", t, click_id=cid, placement=placement)


def view(t: float, device: str = "d1", campaign: str = "cmp", kind: str = "impression") -> Exposure:
    return Exposure(campaign, kind, t, device_id=device)


def one(records: list[Record], exposures: list[Exposure], **windows: int) -> Any:
    campaign = Campaign("cmp", "Campaign", **windows)
    (answer,) = attribute(records, exposures, [campaign])
    return answer


# -- click-through window edges -----------------------------------------------------------------
def test_click_exactly_at_14_days_is_attributed() -> None:
    a = one([rec(1, T0 + 14 * DAY, click_id="c1")], [click(T0)])
    assert (a.verdict, a.campaign, a.after) == ("click", "cmp", 14 * DAY)


def test_click_one_second_past_14_days_is_outside_by_one_second() -> None:
    a = one([rec(1, T0 + 14 * DAY + 1, click_id="c1")], [click(T0)])
    assert (a.verdict, a.reason, a.over) == ("none", "window", 1.0)
    assert "outside the click-through window of 14d by 1s" in a.detail


@pytest.mark.parametrize("days", [1, 30])
def test_click_windows_of_1_and_30_days(days: int) -> None:
    inside = one([rec(1, T0 + days * DAY, click_id="c1")], [click(T0)], click_window_days=days)
    past = one([rec(1, T0 + days * DAY + 1, click_id="c1")], [click(T0)], click_window_days=days)
    assert inside.verdict == "click"
    assert (past.verdict, past.reason, past.over) == ("none", "window", 1.0)


@pytest.mark.parametrize(
    ("field", "value"),
    [("click_window_days", 0), ("click_window_days", 31), ("view_window_days", 0),
     ("view_window_days", 8), ("click_window_days", 1.5), ("view_window_days", "7")],
)  # fmt: skip
def test_windows_outside_their_range_are_refused(field: str, value: Any) -> None:
    with pytest.raises(StudioError, match=field):
        Campaign.from_json({"id": "c", field: value})


def test_campaign_defaults_are_14_and_1_days() -> None:
    c = Campaign.from_json({"id": "c", "name": "Spring"})
    assert (c.click_window_days, c.view_window_days) == (14, 1)


# -- view-through -------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["impression", "audio"])
def test_view_through_at_23_hours_is_attributed(kind: str) -> None:
    a = one([rec(1, T0 + 23 * HOUR, device_id="d1")], [view(T0, kind=kind)])
    assert (a.verdict, a.exposure.kind) == ("view", kind)


def test_view_through_at_25_hours_is_outside_by_an_hour() -> None:
    a = one([rec(1, T0 + 25 * HOUR, device_id="d1")], [view(T0)])
    assert (a.verdict, a.reason, a.over) == ("none", "window", HOUR)
    assert "view-through window of 1d by 1h" in a.detail


def test_view_matches_by_user_agent_without_a_device_id() -> None:
    exposure = Exposure("cmp", "audio", T0, ip="127.0.0.1", user_agent="UA-9")
    assert one([rec(1, T0 + HOUR, ua="UA-9")], [exposure]).verdict == "view"
    assert one([rec(1, T0 + HOUR, ua="UA-8")], [exposure]).reason == "device"


# -- precedence ---------------------------------------------------------------------------------
def test_click_beats_a_later_view_inside_its_window() -> None:
    records = [rec(1, T0 + 2 * HOUR, click_id="c1", device_id="d1")]
    a = one(records, [click(T0), view(T0 + HOUR)])
    assert (a.verdict, a.exposure.kind) == ("click", "click")


def test_view_wins_when_the_click_is_outside_its_window() -> None:
    records = [rec(1, T0 + 3 * DAY, click_id="c1", device_id="d1")]
    a = one(records, [click(T0), view(T0 + 3 * DAY - HOUR)], click_window_days=2)
    assert a.verdict == "view"


def test_last_touch_wins_among_clicks() -> None:
    records = [rec(1, T0 + 2 * DAY, click_id="c1")]
    a = one(records, [click(T0, placement="cta"), click(T0 + DAY, placement="companion")])
    assert (a.verdict, a.exposure.placement, a.after) == ("click", "companion", DAY)


def test_an_exposure_after_the_conversion_does_not_count() -> None:
    a = one([rec(1, T0, click_id="c1")], [click(T0 + 1)])
    assert (a.verdict, a.reason) == ("none", "no_exposure")


# -- reasons ------------------------------------------------------------------------------------
def test_no_click_id_reached_the_conversion() -> None:
    a = one([rec(1, T0 + HOUR)], [click(T0)])
    assert (a.verdict, a.reason) == ("none", "no_click_id")


def test_a_different_device_is_not_matched() -> None:
    a = one([rec(1, T0 + HOUR, click_id="other", device_id="d2", ua="UA-2")], [click(T0)])
    assert (a.verdict, a.reason) == ("none", "device")


def test_invalid_events_and_duplicates_do_not_count() -> None:
    records = [
        rec(1, T0 + HOUR, click_id="c1", valid=False),
        rec(2, T0 + HOUR, click_id="c1", event_id="ord-1"),
        rec(3, T0 + HOUR + 5, "PURCHASE", click_id="c1", event_id="ord-1", kind="capi"),
    ]
    answers = attribute(records, [click(T0)], [Campaign("cmp", "c")])
    assert [(a.verdict, a.reason) for a in answers] == [
        ("none", "invalid"),
        ("click", None),
        ("none", "duplicate"),
    ]
    assert "record 2" in answers[2].detail


def test_page_views_are_not_conversions() -> None:
    assert attribute([rec(1, T0, "view", click_id="c1")], [click(T0)]) == []


# -- simulated clock ----------------------------------------------------------------------------
def test_clock_moves_records_stored_after_the_advance() -> None:
    clock = SimClock().advanced(15 * DAY, at=T0 + 5)
    records = [rec(1, T0 + 10, click_id="c1")]
    a = attribute(records, [click(T0)], [Campaign("cmp", "c")], clock)[0]
    assert (a.reason, a.over) == ("window", DAY + 10)
    assert clock.sim(T0 + 4) == T0 + 4
    two = clock.advanced(HOUR, at=T0 + 20)
    assert (two.sim(T0 + 10), two.sim(T0 + 30)) == (T0 + 10 + 15 * DAY, T0 + 30 + 15 * DAY + HOUR)


@pytest.mark.parametrize(
    ("text", "seconds"), [("15d", 15 * DAY), ("23h", 23 * HOUR), ("90s", 90), ("2w", 14 * DAY)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "15", "-1d", "1y", "15 days", True])
def test_bad_durations(text: Any) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


# -- studio documents ---------------------------------------------------------------------------
def test_studio_document_errors_name_the_entry() -> None:
    good = {"id": "cmp", "name": "c"}
    with pytest.raises(StudioError, match=r"exposures\[0\]: a click carries a click_id"):
        load_studio_data(
            {"campaigns": [good], "exposures": [{"campaign": "cmp", "kind": "click", "time": 1}]}
        )
    with pytest.raises(StudioError, match=r"exposures\[0\]: no campaign 'x'"):
        load_studio_data(
            {
                "campaigns": [good],
                "exposures": [{"campaign": "x", "kind": "audio", "time": 1, "device_id": "d"}],
            }
        )
    with pytest.raises(StudioError, match="placement must be cta or companion"):
        Exposure.from_json(
            {"campaign": "c", "kind": "click", "time": 1, "click_id": "x", "placement": "banner"}
        )
    with pytest.raises(StudioError, match="declared twice"):
        load_studio_data({"campaigns": [good, good]})
    exposure = Exposure.from_json(
        {"campaign": "c", "kind": "audio", "time": "2026-01-02T03:04:05Z", "device_id": "d"}
    )
    assert exposure.time == 1_767_323_045.0


# -- pixel status -------------------------------------------------------------------------------
def test_status_active_then_no_recent_activity() -> None:
    records = [rec(1, T0, "view", url="https://shop.test/"), rec(2, T0 + 60, "purchase")]
    (active,) = pixel_status(records, now=T0 + 60 + 23 * HOUR)
    (stale,) = pixel_status(records, now=T0 + 60 + 25 * HOUR)
    assert (active.status, stale.status) == ("Active", "No recent activity")
    assert active.events == {"purchase": 1, "view": 1}
    assert (active.first_event, active.last_event, active.hosts) == (T0, T0 + 60, ("shop.test",))


def test_status_invalid_key() -> None:
    (k,) = pixel_status([rec(1, T0, key="YOUR_PIXEL_KEY")], now=T0)
    assert (k.key, k.status) == ("YOUR_PIXEL_KEY", "Invalid key")


def test_status_receiving_errors_is_more_than_half_of_the_last_20() -> None:
    ok = [rec(i, T0 + i, valid=True) for i in range(1, 31)]  # 30 valid, then 20 recent:
    half = ok + [rec(100 + i, T0 + 100 + i, valid=i % 2 == 0) for i in range(20)]
    more = ok + [rec(100 + i, T0 + 100 + i, valid=i < 9) for i in range(20)]
    (at_half,) = pixel_status(half, now=T0 + 200)
    (over,) = pixel_status(more, now=T0 + 200)
    assert (at_half.status, at_half.recent_invalid) == ("Active", 10)
    assert (over.status, over.recent_invalid, over.recent_total) == ("Receiving errors", 11, 20)
    assert over.last_errors[-1] == "INVALID_VALUE: value is not a number"


def test_status_counts_server_side_events_for_the_key() -> None:
    records = [rec(1, T0), rec(2, T0 + 5, kind="conversion"), rec(3, T0 + 6, kind="capi", key=None)]
    (k,) = pixel_status(records, now=T0 + 10)
    assert (k.server_side_events, k.last_server_side, k.events) == (1, T0 + 5, {"purchase": 1})


# -- audiences ----------------------------------------------------------------------------------
def test_audience_rules_count_users_within_the_lookback() -> None:
    records = [
        rec(1, T0, "view", device_id="d1", url="https://shop.test/product/1"),
        rec(2, T0 + DAY, "view", device_id="d2", url="https://shop.test/"),
        rec(3, T0 + DAY, "purchase", device_id="d2", url="https://shop.test/thanks"),
        rec(4, T0 - 40 * DAY, "view", device_id="d3", url="https://shop.test/product/2"),
        rec(5, T0 + DAY, "addtocart", device_id="d4", valid=False),
    ]
    rules = [
        AudienceRule("all", "all_visitors"),
        AudienceRule("all long", "all_visitors", lookback_days=180),
        AudienceRule("product", "url_contains", "/product"),
        AudienceRule("thanks", "url_equals", "https://shop.test/thanks"),
        AudienceRule("buyers", "fired", "PURCHASE"),
        AudienceRule("carts", "fired", "addtocart"),
    ]
    results = evaluate(rules, records, now=T0 + 2 * DAY)
    assert [r.matched_users for r in results] == [2, 3, 1, 1, 1, 0]
    assert all(r.below_minimum for r in results)


def test_audit_summary_shows_a_status_line_per_key() -> None:
    records = (rec(1, T0, "view"), rec(2, T0 + 1, "view", key="YOUR_PIXEL_KEY"))
    entries, _ = summarise(Timeline(session="s", records=records), RuleConfig(), started=T0)
    shown = [(e.summary, e.flag) for e in entries if e.stage == "status"]
    assert shown == [
        (f"pixel key {KEY}: No recent activity", "failed"),
        ("pixel key YOUR_PIXEL_KEY: Invalid key", "failed"),
    ]


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "c", "click_window_days": float("inf")},
        {"id": "c", "view_window_days": float("nan")},
        {"id": "c", "click_window_days": True},
    ],
)
def test_non_numbers_as_windows_are_refused(raw: dict[str, Any]) -> None:
    with pytest.raises(StudioError, match="whole number of days"):
        Campaign.from_json(raw)


@pytest.mark.parametrize("time", [float("inf"), -1, 1e300, "0001-01-01T00:00:00"])
def test_exposure_times_outside_1970_to_9999_are_refused(time: Any) -> None:
    with pytest.raises(StudioError, match=r"outside 1970\.\.9999"):
        Exposure.from_json({"campaign": "c", "kind": "audio", "device_id": "d", "time": time})


def test_a_mocks_studio_state_is_a_studio_file() -> None:
    state = StudioState()
    state.add_campaign(Campaign("cmp", "Spring", 7, 2))
    state.add_exposure(click(T0))
    state.add_exposure(view(T0 + 1, kind="audio"))
    state.advance(15 * DAY, at=T0 + 5)
    copy = from_file_data(load_studio_data(state.to_json()))
    assert copy.to_json() == state.to_json()
    assert copy.exposures[1].id == "x2"
