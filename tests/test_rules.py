"""harness.rules: every code has a timeline that triggers it and one that must not.

Timelines are built by hand (no browser): the rules only read captured values.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.capture.initiator import Initiator, from_stack
from harness.capture.timeline import (
    Cookie,
    CspViolation,
    LandingInfo,
    NetworkEvent,
    PageError,
    PageLoad,
    SpdtAssignment,
    SpdtCall,
    StorageSnapshot,
    Timeline,
)
from harness.rules import RULES, AuditFinding, RuleConfig, codes, evaluate
from harness.rules.engine import CHECK_MODULES, published
from harness.rules.html import analyse
from harness.rules.model import Hit, Rule
from harness.rules.model import rule as register_rule
from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from tests.spec import LATER_CODES, PUBLISHED_ORDER, REAL_SITE_CODES, REQUIRED_CODES

KEY = "0123456789abcdef0123456789abcdef"
KEY2 = "fedcba9876543210fedcba9876543210"
CLICK = "clk1234567890abcdef"
HOME = "https://shop.test/"
LANDING = f"https://shop.test/?spclid={CLICK}"
THANKS = "https://shop.test/thanks"
SCRIPT = "https://pixel.byspotify.com/ping.min.js"
INGEST = "https://pixels.spotify.com/v1/ingest"

SEVERITIES = {
    "PIXEL_NOT_FOUND": "error",
    "SCRIPT_NOT_LOADED": "error",
    "BASE_CODE_BROKEN": "error",
    "DUPLICATE_BASE_CODE": "warning",
    "MISSING_CONF": "error",
    "EVENT_BEFORE_CONF": "warning",
    "MULTIPLE_PIXEL_KEYS": "warning",
    "INVALID_PIXEL_KEY": "error",
    "UNFILLED_PLACEHOLDER": "error",
    "UNKNOWN_EVENT": "warning",
    "DUPLICATE_EVENT": "warning",
    "MISSING_CURRENCY": "error",
    "MISSING_VALUE": "warning",
    "INVALID_CURRENCY": "error",
    "INVALID_VALUE": "error",
    "INVALID_PARAMETER": "warning",
    "MISSING_ORDER_ID": "warning",
    "EVENT_NOT_FIRED": "error",
    "EVENT_NOT_DELIVERED": "error",
    "CLICK_ID_NOT_PERSISTED": "error",
    "CLICK_ID_DROPPED_BY_REDIRECT": "error",
    "CLICK_ID_COOKIE_SCOPE": "warning",
    "CSP_BLOCKS_SCRIPT": "error",
    "CSP_BLOCKS_EVENTS": "error",
    "CSP_BLOCKS_IMAGE": "warning",
    "CSP_REPORT_ONLY_WOULD_BLOCK": "warning",
    "NOSCRIPT_MISSING": "info",
    "NOSCRIPT_KEY_MISMATCH": "warning",
    "PIXEL_BEFORE_CONSENT": "error",
    "PERSONAL_DATA_IN_EVENT": "warning",
    "EVENT_ID_REUSED": "warning",
    "CONVERSION_COUNTED_TWICE": "warning",
}


# -- builders ---------------------------------------------------------------------------------


def official(key: str = KEY, events: str = "w.spdt('view');") -> str:
    return f"""<script>
  (function(w, d){{
    var id='spdt-capture', n='script';
    if (!d.getElementById(id)) {{
      w.spdt = w.spdt || function() {{ (w.spdt.q = w.spdt.q || []).push(arguments); }};
      var e = d.createElement(n); e.id = id; e.async=1;
      e.src = 'https://pixel.byspotify.com/ping.min.js';
      var s = d.getElementsByTagName(n)[0]; s.parentNode.insertBefore(e, s);
    }}
    w.spdt('conf', {{ key: '{key}' }});
    {events}
  }})(window, document);
</script>"""


def guide(key: str = "YOUR_PIXEL_ID") -> str:
    return f"""<script>
  (function(w, d, t, s, n) {{
    w.SpotifyAdsTag = n; w[n] = w[n] || {{
      _q: [],
      on: function() {{ this._q.push(["on"].concat([].slice.call(arguments))) }},
      off: function() {{ this._q.push(["off"].concat([].slice.call(arguments))) }},
      emit: function() {{ this._q.push(["emit"].concat([].slice.call(arguments))) }}
    }};
    var e = d.createElement(t); e.async = 1; e.src = s;
    var x = d.getElementsByTagName(t)[0]; x.parentNode.insertBefore(e, x);
  }})(window, document, 'script', 'https://pixel.byspotify.com/ping.min.js', 'spdt');
  spdt('conf', {{ key: '{key}' }});
  spdt('view');
</script>"""


def noscript(key: str = KEY) -> str:
    return f'<noscript><img height="1" width="1" src="https://img.byspotify.com/?key={key}&a=init"></noscript>'


def doc(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"


def page(url: str, html: str, **headers: str) -> PageLoad:
    hdrs = {"content-type": "text/html; charset=utf-8"}
    hdrs.update({k.replace("_", "-"): v for k, v in headers.items()})
    return PageLoad(url=url, status=200, headers=hdrs, html=html)


def call(seq: int, command: Any, *args: Any, url: str = LANDING, **kw: Any) -> SpdtCall:
    return SpdtCall(seq=seq, page_url=url, command=command, args=args, time=float(seq), **kw)


_ids = iter(range(1, 10_000))


def ingest(
    name: str,
    params: dict[str, Any] | None = None,
    *,
    url: str = LANDING,
    key: str | None = KEY,
    status: int = 204,
) -> Record:
    event = PixelEvent(name=name, key=key, params=params or {}, url=url, click_id=CLICK)
    return Record(
        id=next(_ids),
        time=0.0,
        session="s",
        host="pixels.spotify.com",
        method="POST",
        path="/v1/ingest",
        kind="ingest",
        status=status,
        page=url,
        events=(event,),
    )


def script_hit(url: str = LANDING, status: int = 200, failure: str | None = None) -> NetworkEvent:
    return NetworkEvent(SCRIPT, "GET", "script", url, None if failure else status, failure)


def snapshot(
    url: str = LANDING, *, cookies: tuple[Cookie, ...] = (), session: dict[str, str] | None = None
) -> StorageSnapshot:
    return StorageSnapshot(url, cookies, {}, session or {})


def cookie(name: str, value: str, domain: str = "shop.test") -> Cookie:
    return Cookie(name, value, domain, "/", -1, True, False, "Lax")


def good() -> Timeline:
    """A correct installation: official base code, key, script loaded, view delivered, click id
    kept in a first-party cookie, noscript image with the same key."""
    return Timeline(
        session="s",
        pages=(page(LANDING, doc(official() + noscript())),),
        calls=(call(1, "conf", {"key": KEY}), call(2, "view")),
        network=(script_hit(),),
        records=(ingest("view"),),
        storage=(snapshot(cookies=(cookie("_spdt_click_id", CLICK),)),),
        landing=LandingInfo(LANDING, CLICK, "spclid", (LANDING,), LANDING),
    )


def purchase_timeline(params: dict[str, Any], *, delivered: bool = True) -> Timeline:
    base = good()
    thanks = page(THANKS, doc(official(events="w.spdt('purchase', {});") + noscript()))
    calls = (
        *base.calls,
        call(1, "conf", {"key": KEY}, url=THANKS),
        call(2, "purchase", params, url=THANKS),
    )
    records = (*base.records, ingest("purchase", params, url=THANKS)) if delivered else base.records
    return replace(
        base,
        pages=(*base.pages, thanks),
        calls=calls,
        records=records,
        network=(*base.network, script_hit(THANKS)),
        storage=(*base.storage, snapshot(THANKS, cookies=(cookie("_spdt_click_id", CLICK),))),
    )


def found(timeline: Timeline, config: RuleConfig | None = None) -> dict[str, list[AuditFinding]]:
    out: dict[str, list[AuditFinding]] = {}
    for finding in evaluate(timeline, config):
        out.setdefault(finding.code, []).append(finding)
    return out


# -- the registry -----------------------------------------------------------------------------


def test_every_required_code_exists_with_its_severity() -> None:
    for code in REQUIRED_CODES + REAL_SITE_CODES:
        assert code in RULES, code
        assert RULES[code].severity == SEVERITIES[code], code
    assert set(REQUIRED_CODES) <= set(codes())
    assert codes() == tuple(RULES)


def test_every_later_code_exists_with_its_severity() -> None:
    for code, severity in LATER_CODES.items():
        assert code in RULES, code
        assert RULES[code].severity == severity, code


def test_every_rule_has_title_fix_and_source() -> None:
    for rule in RULES.values():
        assert rule.title, rule.code
        assert rule.fix, rule.code
        assert rule.source, rule.code


def test_the_published_order_keeps_every_rule_in_its_place() -> None:
    assert [c for c in codes() if c in PUBLISHED_ORDER] == list(PUBLISHED_ORDER)


def test_the_published_order_follows_the_check_modules() -> None:
    reordered = published(RULES.values(), tuple(reversed(CHECK_MODULES)))
    assert list(reordered)[:1] == ["EVIDENCE_TAMPERING"]
    assert list(reordered)[-8:] == list(codes()[:8])  # install's rules, in definition order
    assert set(reordered) == set(RULES)


def _no_hits(facts: object) -> list[Hit]:
    return []


def test_a_rule_outside_the_check_modules_is_refused() -> None:
    stray = Rule("STRAY_RULE", "info", "a rule", "fix it", "harness", _no_hits)
    with pytest.raises(RuntimeError, match="outside the engine's check modules: STRAY_RULE"):
        published([*RULES.values(), stray], CHECK_MODULES)


def test_a_code_registered_twice_is_refused() -> None:
    register = register_rule("PIXEL_NOT_FOUND", "error", title="t", fix="f", source="live pixel")
    with pytest.raises(ValueError, match="rule PIXEL_NOT_FOUND is registered twice"):
        register(_no_hits)
    assert RULES["PIXEL_NOT_FOUND"].check is not _no_hits


def test_a_check_registered_for_two_codes_is_refused() -> None:
    check = RULES["MISSING_CONF"].check
    register = register_rule("MISSING_CONF_AGAIN", "error", title="t", fix="f", source="live pixel")
    with pytest.raises(ValueError, match="missing_conf is already the check of rule MISSING_CONF"):
        register(check)
    assert "MISSING_CONF_AGAIN" not in codes()


def test_docs_list_every_code() -> None:
    text = (Path(__file__).resolve().parent.parent / "docs" / "findings.md").read_text("utf-8")
    for code, rule in RULES.items():
        assert f"| `{code}` | {rule.severity} |" in text, code


def test_good_installation_has_no_findings() -> None:
    assert evaluate(good()) == []


def test_purchase_with_every_parameter_right_has_no_findings() -> None:
    params = {"value": 79.99, "currency": "USD", "order_id": "SP-1", "quantity": 2}
    assert evaluate(purchase_timeline(params)) == []


def test_findings_are_sorted_and_serialisable() -> None:
    timeline = purchase_timeline({"value": "79,99", "currency": "£"})
    findings = evaluate(timeline)
    assert findings == sorted(findings, key=AuditFinding.sort_key)
    assert findings == evaluate(timeline)
    for finding in findings:
        data = finding.to_json()
        assert json.loads(json.dumps(data)) == data
        assert set(data) == {"code", "severity", "message", "fix", "page", "evidence"}


def test_disabled_codes_are_not_reported() -> None:
    timeline = purchase_timeline({"value": 5})
    assert "MISSING_CURRENCY" in found(timeline)
    assert "MISSING_CURRENCY" not in found(
        timeline, RuleConfig(disabled=frozenset({"MISSING_CURRENCY"}))
    )


def test_evaluate_survives_garbage() -> None:
    timeline = Timeline(
        session="s",
        pages=(
            PageLoad(
                "not a url", None, {"content-security-policy": ";;,,'\x00"}, "<<<script>spdt("
            ),
            PageLoad("https://[::1", 200, {}, "\ud800<noscript><img src='//[x'></noscript>"),
        ),
        calls=(call(1, None), call(2, {"a": 1}, url=""), call(1, "purchase", "str", [1])),
        records=(ingest("view", url=""),),
        landing=LandingInfo("::", "x", None, (), "::"),
        storage=(snapshot("::"),),
    )
    assert isinstance(evaluate(timeline), list)


# -- install ----------------------------------------------------------------------------------


def test_pixel_not_found() -> None:
    timeline = replace(good(), pages=(*good().pages, page(HOME + "about", doc("<title>x</title>"))))
    hits = found(timeline)["PIXEL_NOT_FOUND"]
    assert [h.page for h in hits] == ["https://shop.test/about"]


@pytest.mark.parametrize(
    "html",
    [
        doc(body='<script async src="//pixel.byspotify.com/ping.min.js"></script>'),
        doc(
            '<script src="https://pixel.byspotify.com/ping.min.js" async id="spdt-capture">'
            "</script>"
        ),
        doc("<script>window.dataLayer=[]</script>"),  # tag manager: seen only in network/calls
    ],
)
def test_pixel_found_by_any_sign(html: str) -> None:
    timeline = replace(good(), pages=(page(LANDING, html),))
    assert "PIXEL_NOT_FOUND" not in found(timeline)


def test_script_not_loaded_and_loaded() -> None:
    blocked = replace(
        good(), network=(script_hit(failure="net::ERR_NAME_NOT_RESOLVED"),), records=()
    )
    hit = found(blocked)["SCRIPT_NOT_LOADED"][0]
    assert "net::ERR_NAME_NOT_RESOLVED" in hit.evidence[0]
    assert "SCRIPT_NOT_LOADED" not in found(good())
    cached = replace(good(), network=(), calls=(call(1, "conf", {"key": KEY}, stub="live"),))
    assert "SCRIPT_NOT_LOADED" not in found(cached)


def test_base_code_broken_guide_stub_statically_and_at_runtime() -> None:
    static = replace(
        good(), pages=(page(LANDING, doc(guide(KEY) + noscript())),), calls=(), records=()
    )
    hits = found(static)["BASE_CODE_BROKEN"]
    assert hits[0].fix.startswith("Use the base code from Spotify Ads Manager")
    runtime = replace(
        good(),
        pages=(page(LANDING, doc("<script src='/app.js'></script>")),),
        calls=(),
        assignments=(SpdtAssignment(LANDING, 1, "object", ("_q", "on", "off", "emit")),),
        errors=(PageError(LANDING, "TypeError: spdt is not a function"),),
    )
    assert "BASE_CODE_BROKEN" in found(runtime)
    assert "BASE_CODE_BROKEN" not in found(good())


def test_base_code_broken_when_a_call_throws() -> None:
    timeline = replace(good(), calls=(call(1, "conf", {"key": KEY}, threw=True, error="boom"),))
    (hit,) = found(timeline)["BASE_CODE_BROKEN"]
    assert hit.message == "The pixel code throws on this page: boom."


def test_unrelated_errors_do_not_break_the_base_code() -> None:
    timeline = replace(good(), errors=(PageError(LANDING, "TypeError: x is not a function"),))
    assert "BASE_CODE_BROKEN" not in found(timeline)


def test_duplicate_base_code_in_html_and_via_tag_manager() -> None:
    twice = replace(good(), pages=(page(LANDING, doc(official() + noscript(), official())),))
    assert "DUPLICATE_BASE_CODE" in found(twice)
    # A tag manager copy: one inline snippet, the guard keeps one script load, but conf twice.
    gtm = replace(
        good(),
        calls=(
            call(1, "conf", {"key": KEY}),
            call(2, "view"),
            call(3, "conf", {"key": KEY}),
            call(4, "view"),
        ),
    )
    hit = found(gtm)["DUPLICATE_BASE_CODE"][0]
    assert any("spdt('conf'" in e for e in hit.evidence)
    assert "DUPLICATE_BASE_CODE" not in found(good())


def test_conf_repeated_with_each_tag_manager_event_is_not_a_duplicate() -> None:
    # Spotify's advice for tag managers: the base code (conf) accompanies every event tag.
    calls = (
        call(1, "conf", {"key": KEY}),
        call(2, "view"),
        call(3, "conf", {"key": KEY}),
        call(4, "lead", {"type": "demo"}),
    )
    assert "DUPLICATE_BASE_CODE" not in found(replace(good(), calls=calls))


def test_duplicate_base_code_from_two_script_requests() -> None:
    timeline = replace(good(), network=(script_hit(), script_hit()))
    assert "DUPLICATE_BASE_CODE" in found(timeline)
    reloaded = replace(
        good(),
        network=(script_hit(), script_hit()),
        pages=good().pages * 2,
        calls=good().calls * 2,
        records=(ingest("view"), ingest("view")),
    )
    assert "DUPLICATE_BASE_CODE" not in found(reloaded)


def test_missing_conf() -> None:
    timeline = replace(good(), calls=(call(1, "view"),), records=())
    assert "MISSING_CONF" in found(timeline)
    no_pid = replace(good(), records=(ingest("view", key=None),))
    assert "MISSING_CONF" in found(no_pid)
    assert "MISSING_CONF" not in found(good())


def test_event_before_conf() -> None:
    timeline = replace(good(), calls=(call(1, "view"), call(2, "conf", {"key": KEY})))
    (hit,) = found(timeline)["EVENT_BEFORE_CONF"]
    assert (
        hit.message
        == f"spdt('view') is called before spdt('conf', …) on {LANDING.replace(CLICK, 'clk1…')}."
    )
    assert "EVENT_BEFORE_CONF" not in found(good())


def test_multiple_pixel_keys_from_calls_and_ingest() -> None:
    timeline = replace(good(), records=(ingest("view"), ingest("view", key=KEY2)))
    (hit,) = found(timeline)["MULTIPLE_PIXEL_KEYS"]
    assert "012345…cdef" in hit.message
    assert "fedcba…3210" in hit.message
    calls = replace(
        good(),
        calls=(call(1, "conf", {"key": KEY}), call(2, "conf", {"key": KEY2}), call(3, "view")),
    )
    assert "attributed to fedcba…3210" in found(calls)["MULTIPLE_PIXEL_KEYS"][0].message
    assert "MULTIPLE_PIXEL_KEYS" not in found(good())


@pytest.mark.parametrize(
    "key", ["YOUR_PIXEL_ID", "0123456789ABCDEF0123456789ABCDEF", "abc", "{{pixel_id}}"]
)
def test_invalid_pixel_key(key: str) -> None:
    timeline = replace(
        good(),
        pages=(page(LANDING, doc(official(key) + noscript(key))),),
        calls=(call(1, "conf", {"key": key}), call(2, "view")),
        records=(ingest("view", key=key),),
    )
    assert "INVALID_PIXEL_KEY" in found(timeline)
    assert "INVALID_PIXEL_KEY" not in found(good())


def test_base_code_not_in_head_is_optional() -> None:
    timeline = replace(good(), pages=(page(LANDING, doc(noscript(), official())),))
    assert "BASE_CODE_NOT_IN_HEAD" not in found(timeline)
    enabled = RuleConfig(enable=frozenset({"BASE_CODE_NOT_IN_HEAD"}))
    (hit,) = found(timeline, enabled)["BASE_CODE_NOT_IN_HEAD"]
    assert hit.severity == "info"
    assert "BASE_CODE_NOT_IN_HEAD" not in found(good(), enabled)


def test_guide_stub_with_later_live_calls_is_not_also_missing_conf() -> None:
    # The guide's conf threw; ping.min.js then replaced spdt and a click handler called it.
    timeline = replace(
        good(),
        pages=(page(LANDING, doc(guide(KEY) + noscript())),),
        calls=(call(1, "addtocart", {"value": 1, "currency": "USD"}, stub="live"),),
        records=(),
        errors=(PageError(LANDING, "TypeError: spdt is not a function"),),
    )
    assert set(found(timeline)) == {"BASE_CODE_BROKEN"}


def test_rejected_ingest_still_reached_the_host() -> None:
    timeline = replace(good(), records=(ingest("view", status=400),))
    assert "EVENT_NOT_DELIVERED" not in found(timeline)


# -- parameters (the mock's validation table, applied to calls and ingest) ---------------------


@pytest.mark.parametrize(
    ("code", "bad", "fine"),
    [
        (
            "MISSING_CURRENCY",
            {"value": 5, "order_id": "1"},
            {"value": 5, "currency": "EUR", "order_id": "1"},
        ),
        ("MISSING_VALUE", {"order_id": "1"}, {"value": 1, "currency": "EUR", "order_id": "1"}),
        (
            "INVALID_CURRENCY",
            {"value": 5, "currency": "£", "order_id": "1"},
            {"value": 5, "currency": "GBP", "order_id": "1"},
        ),
        (
            "INVALID_VALUE",
            {"value": "79,99", "currency": "USD", "order_id": "1"},
            {"value": 79.99, "currency": "USD", "order_id": "1"},
        ),
        (
            "INVALID_VALUE",
            {"value": -1, "currency": "USD", "order_id": "1"},
            {"value": 0, "currency": "USD", "order_id": "1"},
        ),
        (
            "INVALID_PARAMETER",
            {"value": 1, "currency": "USD", "order_id": "1", "quantity": "2.5"},
            {"value": 1, "currency": "USD", "order_id": "1", "quantity": "2"},
        ),
        (
            "INVALID_PARAMETER",
            {"value": 1, "currency": "USD", "order_id": "1", "is_new_customer": "yes"},
            {"value": 1, "currency": "USD", "order_id": "1", "is_new_customer": True},
        ),
        (
            "MISSING_ORDER_ID",
            {"value": 1, "currency": "USD"},
            {"value": 1, "currency": "USD", "event_id": "e1"},
        ),
        (
            "UNFILLED_PLACEHOLDER",
            {"value": 1, "currency": "USD", "order_id": "{{order_id}}"},
            {"value": 1, "currency": "USD", "order_id": "A-1"},
        ),
        (
            "UNFILLED_PLACEHOLDER",
            {"value": 1, "currency": "USD", "order_id": ""},
            {"value": 1, "currency": "USD", "order_id": "0"},
        ),
    ],
)
def test_parameter_codes(code: str, bad: dict[str, Any], fine: dict[str, Any]) -> None:
    assert code in found(purchase_timeline(bad))
    assert code not in found(purchase_timeline(fine))


def test_bad_value_reported_even_when_never_delivered_and_once_when_both() -> None:
    bad = {"value": "79,99", "currency": "USD", "order_id": "1"}
    undelivered = found(purchase_timeline(bad, delivered=False))["INVALID_VALUE"]
    assert len(undelivered) == 1
    (both,) = found(purchase_timeline(bad))["INVALID_VALUE"]
    assert len(both.evidence) == 2  # the call and the ingest record
    assert both.message == "Purchase: value '79,99' (str) is not a number >= 0."


def test_undefined_parameter_from_the_capture_is_unfilled() -> None:
    params = {"value": {"__undefined__": True}, "currency": "USD", "order_id": "1"}
    assert "UNFILLED_PLACEHOLDER" in found(purchase_timeline(params, delivered=False))


def test_mock_findings_are_merged() -> None:
    base = good()
    record = replace(
        ingest("lead", url=LANDING),
        findings=(
            ValidationFinding("INVALID_CURRENCY", "error", "currency 'XX' is not an ISO 4217 code"),
        ),
    )
    timeline = replace(base, records=(*base.records, record))
    assert found(timeline)["INVALID_CURRENCY"][0].evidence == (
        f"mock finding on POST pixels.spotify.com/v1/ingest → 204 (record #{record.id})",
    )


def test_a_mock_finding_on_the_same_event_is_not_a_second_finding() -> None:
    base = good()
    record = replace(
        ingest("purchase", {"value": 5, "currency": "£", "order_id": "o1"}, url=LANDING),
        findings=(
            ValidationFinding("INVALID_CURRENCY", "error", "events[1] purchase: currency '£' …"),
        ),
    )
    timeline = replace(base, records=(*base.records, record))
    assert len(found(timeline)["INVALID_CURRENCY"]) == 1


def test_unknown_event() -> None:
    timeline = replace(
        good(), calls=(*good().calls, call(3, "custom", {"event_name": "newsletter"}))
    )
    assert "UNKNOWN_EVENT" in found(timeline)
    assert "UNKNOWN_EVENT" not in found(
        replace(good(), calls=(*good().calls, call(3, "custom_event_1")))
    )


# -- duplicates -------------------------------------------------------------------------------


def test_spa_manual_view_plus_history_patch_is_a_duplicate() -> None:
    route = "https://shop.test/products"
    timeline = replace(
        good(),
        calls=(*good().calls, call(3, "view", url=route)),
        records=(ingest("view"), ingest("view", url=route), ingest("view", url=route)),
    )
    (hit,) = found(timeline)["DUPLICATE_EVENT"]
    assert hit.page == route
    assert "the pixel reports history (single-page-app) navigation itself" in hit.message


def test_spa_returning_to_a_route_is_not_a_duplicate() -> None:
    route = "https://shop.test/products"
    timeline = replace(
        good(),
        records=(ingest("view"), ingest("view", url=route), ingest("view")),
    )
    assert "DUPLICATE_EVENT" not in found(timeline)


def test_reloading_a_page_or_two_different_purchases_is_not_a_duplicate() -> None:
    reload = replace(
        good(),
        pages=good().pages * 2,
        calls=good().calls * 2,
        records=(ingest("view"), ingest("view")),
    )
    assert "DUPLICATE_EVENT" not in found(reload)
    base = purchase_timeline({"value": 1, "currency": "USD", "order_id": "A"})
    second = {"value": 2, "currency": "USD", "order_id": "B"}
    two = replace(
        base,
        calls=(*base.calls, call(3, "purchase", second, url=THANKS)),
        records=(*base.records, ingest("purchase", second, url=THANKS)),
    )
    assert "DUPLICATE_EVENT" not in found(two)


def test_same_purchase_called_twice_in_one_view_is_a_duplicate() -> None:
    params = {"value": 1, "currency": "USD", "order_id": "A"}
    base = purchase_timeline(params, delivered=False)
    twice = replace(base, calls=(*base.calls, call(3, "purchase", params, url=THANKS)))
    assert "DUPLICATE_EVENT" in found(twice)


# -- expectations, delivery, consent ----------------------------------------------------------


def test_event_not_fired() -> None:
    timeline = replace(
        good(),
        expected_events=("purchase", "view"),
        unmet_expectations=("expected purchase value=1; saw no purchase",),
    )
    (hit,) = found(timeline)["EVENT_NOT_FIRED"]
    assert hit.message == "The flow expected a purchase event, but it never fired."
    assert hit.evidence[0] == "expected purchase value=1; saw no purchase"
    assert "EVENT_NOT_FIRED" not in found(replace(good(), expected_events=("view",)))


def test_event_not_delivered_with_csp_evidence() -> None:
    timeline = replace(
        good(),
        records=(),
        network=(
            script_hit(),
            NetworkEvent(INGEST, "POST", "fetch", LANDING, None, "net::ERR_BLOCKED_BY_CSP"),
        ),
        violations=(CspViolation(LANDING, "connect-src", INGEST, "enforce"),),
    )
    (hit,) = found(timeline)["EVENT_NOT_DELIVERED"]
    assert any("ERR_BLOCKED_BY_CSP" in e for e in hit.evidence)
    assert any(e.startswith("CSP violation (enforce): connect-src") for e in hit.evidence)
    assert "EVENT_NOT_DELIVERED" not in found(good())


def test_event_not_delivered_is_left_to_the_root_cause() -> None:
    no_script = replace(
        good(), records=(), network=(script_hit(failure="net::ERR_BLOCKED_BY_CSP"),)
    )
    assert "EVENT_NOT_DELIVERED" not in found(no_script)
    assert "SCRIPT_NOT_LOADED" in found(no_script)


def test_pixel_before_consent() -> None:
    first = ingest("view")
    later = ingest("purchase", {"value": 1, "currency": "USD", "order_id": "1"})
    timeline = replace(good(), records=(first, later), consent_after_record=first.id)
    assert "PIXEL_BEFORE_CONSENT" in found(timeline)
    assert "PIXEL_BEFORE_CONSENT" not in found(replace(timeline, consent_after_record=first.id - 1))
    assert "PIXEL_BEFORE_CONSENT" not in found(good())


# -- click id ---------------------------------------------------------------------------------


def test_click_id_not_persisted() -> None:
    timeline = replace(good(), storage=(snapshot(cookies=(cookie("__spdt", "a" * 32),)),))
    (hit,) = found(timeline)["CLICK_ID_NOT_PERSISTED"]
    assert CLICK not in " ".join(hit.evidence) + hit.message
    assert "clk1…" in hit.message
    in_session = replace(good(), storage=(snapshot(session={"click_id": CLICK}),))
    assert "CLICK_ID_NOT_PERSISTED" not in found(in_session)


def test_click_id_cleared_later() -> None:
    timeline = replace(good(), storage=(*good().storage, snapshot(THANKS)))
    assert (
        "gone by https://shop.test/thanks" in found(timeline)["CLICK_ID_NOT_PERSISTED"][0].message
    )


def test_click_id_storage_names_are_configurable() -> None:
    config = RuleConfig(click_id_names=("sp_click",), click_id_storage=("cookie",))
    assert "CLICK_ID_NOT_PERSISTED" in found(good(), config)


def test_click_id_dropped_by_http_and_js_redirect() -> None:
    start = f"https://shop.test/promo?sp_click_id={CLICK}"
    http = replace(good(), landing=LandingInfo(start, CLICK, "sp_click_id", (start, HOME), HOME))
    (hit,) = found(http)["CLICK_ID_DROPPED_BY_REDIRECT"]
    assert CLICK not in hit.message
    js = replace(good(), landing=LandingInfo(start, CLICK, "sp_click_id", (), HOME + "home"))
    assert "CLICK_ID_DROPPED_BY_REDIRECT" in found(js)
    kept = replace(
        good(), landing=LandingInfo(start, CLICK, "sp_click_id", (start, LANDING), LANDING)
    )
    assert "CLICK_ID_DROPPED_BY_REDIRECT" not in found(kept)


def test_click_id_cookie_scope_apex_to_www() -> None:
    www = "https://www.shop.test/thanks"
    base = purchase_timeline({"value": 1, "currency": "USD", "order_id": "1"})
    calls = tuple(replace(c, page_url=www) if c.page_url == THANKS else c for c in base.calls)
    timeline = replace(base, calls=calls)
    (hit,) = found(timeline)["CLICK_ID_COOKIE_SCOPE"]
    assert (
        hit.message
        == "The click id cookie _spdt_click_id is host-only on shop.test, so it is not visible "
        "on www.shop.test where conversions happen."
    )
    wide = replace(
        timeline, storage=(snapshot(cookies=(cookie("_spdt_click_id", CLICK, ".shop.test"),)),)
    )
    assert "CLICK_ID_COOKIE_SCOPE" not in found(wide)
    assert "CLICK_ID_COOKIE_SCOPE" not in found(base)


# -- CSP --------------------------------------------------------------------------------------

GUIDE_CSP = (
    "script-src 'self' 'unsafe-inline' pixel.byspotify.com; img-src pixel.byspotify.com; "
    "connect-src pixel.byspotify.com"
)


def with_csp(
    value: str, header: str = "content_security_policy", html: str | None = None
) -> Timeline:
    return replace(
        good(), pages=(page(LANDING, html or doc(official() + noscript()), **{header: value}),)
    )


def test_csp_blocks_script_statically_even_without_a_request() -> None:
    timeline = replace(
        with_csp("script-src 'self' 'unsafe-inline'"), network=(), records=(), calls=()
    )
    hit = found(timeline)["CSP_BLOCKS_SCRIPT"][0]
    assert "script-src 'self' 'unsafe-inline'" in hit.evidence[0]
    assert "CSP_BLOCKS_SCRIPT" not in found(with_csp(GUIDE_CSP))


def test_csp_blocks_the_inline_base_code() -> None:
    timeline = with_csp("script-src 'nonce-abc' 'strict-dynamic'")
    assert "inline base code" in found(timeline)["CSP_BLOCKS_SCRIPT"][0].message
    nonced = with_csp(
        "script-src 'nonce-abc' 'strict-dynamic'",
        html=doc(official().replace("<script>", '<script nonce="abc">') + noscript()),
    )
    assert "CSP_BLOCKS_SCRIPT" not in found(nonced)


def test_csp_blocks_script_from_runtime_violation_only() -> None:
    timeline = replace(
        good(), violations=(CspViolation(LANDING, "script-src-elem", SCRIPT, "enforce"),)
    )
    assert "CSP_BLOCKS_SCRIPT" in found(timeline)


def test_csp_blocks_events_the_guides_policy() -> None:
    (hit,) = found(with_csp(GUIDE_CSP))["CSP_BLOCKS_EVENTS"]
    assert "that is what the setup guide's CSP does" in hit.message
    allowed = with_csp(
        GUIDE_CSP.replace(
            "connect-src pixel.byspotify.com", "connect-src https://pixels.spotify.com"
        )
    )
    assert "CSP_BLOCKS_EVENTS" not in found(allowed)


def test_csp_meta_tag_counts() -> None:
    meta = '<meta http-equiv="Content-Security-Policy" content="connect-src \'self\'">'
    timeline = replace(good(), pages=(page(LANDING, doc(meta + official() + noscript())),))
    assert "CSP_BLOCKS_EVENTS" in found(timeline)


def test_csp_blocks_image_of_the_guides_policy() -> None:
    guide_noscript = (
        f'<noscript><img src="https://pixel.byspotify.com/pixel?key={KEY}&ev=view"></noscript>'
    )
    timeline = with_csp(GUIDE_CSP, html=doc(official() + guide_noscript))
    (hit,) = found(timeline)["CSP_BLOCKS_IMAGE"]
    assert (
        hit.message == "The Content-Security-Policy blocks https://img.byspotify.com/ in img-src."
    )


def test_csp_blocks_image() -> None:
    csp = "img-src 'self'; connect-src https://pixels.spotify.com"
    assert "CSP_BLOCKS_IMAGE" in found(with_csp(csp))
    assert "CSP_BLOCKS_IMAGE" not in found(with_csp("img-src https://img.byspotify.com"))


def test_csp_report_only_would_block() -> None:
    timeline = with_csp(GUIDE_CSP, header="content_security_policy_report_only")
    codes_found = found(timeline)
    assert "CSP_REPORT_ONLY_WOULD_BLOCK" in codes_found
    assert "CSP_BLOCKS_EVENTS" not in codes_found
    assert (
        "the pixel's events (connect-src)" in codes_found["CSP_REPORT_ONLY_WOULD_BLOCK"][0].message
    )
    assert "CSP_REPORT_ONLY_WOULD_BLOCK" not in found(good())


# -- noscript ---------------------------------------------------------------------------------


def test_noscript_missing() -> None:
    timeline = replace(good(), pages=(page(LANDING, doc(official())),))
    (hit,) = found(timeline)["NOSCRIPT_MISSING"]
    assert hit.severity == "info"
    assert "NOSCRIPT_MISSING" not in found(good())


def test_noscript_key_mismatch() -> None:
    timeline = replace(good(), pages=(page(LANDING, doc(official() + noscript(KEY2))),))
    assert "NOSCRIPT_KEY_MISMATCH" in found(timeline)
    assert "NOSCRIPT_KEY_MISMATCH" not in found(good())


def test_guides_noscript_endpoint_is_a_fallback() -> None:
    img = f'<noscript><img src="https://pixel.byspotify.com/pixel?key={KEY}&ev=view"></noscript>'
    timeline = replace(good(), pages=(page(LANDING, doc(official() + img)),))
    assert "NOSCRIPT_MISSING" not in found(timeline)


# -- pinned messages --------------------------------------------------------------------------


def test_message_guide_stub() -> None:
    timeline = replace(
        good(), pages=(page(LANDING, doc(guide(KEY) + noscript())),), calls=(), records=()
    )
    (hit,) = found(timeline)["BASE_CODE_BROKEN"]
    assert hit.message == (
        "The setup guide's base code defines spdt as an object ({_q, on, off, emit}), so "
        "spdt('conf', …) throws “TypeError: spdt is not a function” and nothing is tracked."
    )


def test_message_guide_csp() -> None:
    (hit,) = found(with_csp(GUIDE_CSP))["CSP_BLOCKS_EVENTS"]
    assert hit.message == (
        "connect-src allows pixel.byspotify.com but not pixels.spotify.com: that is what the "
        "setup guide's CSP does, and the live pixel sends its events to "
        "https://pixels.spotify.com/v1/ingest, so every event is blocked."
    )
    assert hit.fix == "Add https://pixels.spotify.com to connect-src."


def test_message_custom_event() -> None:
    timeline = replace(good(), calls=(*good().calls, call(3, "custom", {"event_name": "x"})))
    (hit,) = found(timeline)["UNKNOWN_EVENT"]
    assert hit.message == (
        "spdt('custom', …) is the setup guide's custom event; the live pixel has no 'custom' "
        "event, only custom_event_1 … custom_event_5 (the slots cannot be renamed), so it is not "
        "counted."
    )


def test_evidence_redacts_identifiers() -> None:
    alias = call(3, "alias", {"email": "jane@example.com", "phone_number": "+4412345678", "id": ""})
    timeline = replace(good(), calls=(*good().calls, alias, call(4, "custom")))
    text = json.dumps([f.to_json() for f in evaluate(timeline)])
    assert "jane@example.com" not in text
    assert CLICK not in text


# -- real captures: global seq, redirect hops, ids --------------------------------------------


def test_documents_split_when_seq_is_global() -> None:
    # The capture numbers calls across documents; time restarts with each document.
    product = "https://shop.test/product"
    timeline = replace(
        good(),
        pages=(*good().pages, page(product, doc(official() + noscript()))),
        calls=(
            SpdtCall(1, LANDING, "conf", ({"key": KEY},), 500.0),
            SpdtCall(2, LANDING, "view", (), 501.0),
            SpdtCall(3, product, "conf", ({"key": KEY},), 600.0),  # time did not go back
            SpdtCall(4, product, "view", (), 601.0),
        ),
        records=(ingest("view"), ingest("view", url=product)),
        network=(script_hit(), script_hit(product)),
    )
    assert evaluate(timeline) == []


def test_redirect_hops_and_3xx_pages_are_not_audited() -> None:
    hop = f"https://shop.test/go?spclid={CLICK}"
    timeline = replace(
        good(),
        pages=(
            PageLoad(hop, 302, {"content-type": "text/html"}, "", (hop,)),
            PageLoad(hop + "&js=1", 200, {"content-type": "text/html"}, doc(), (hop + "&js=1",)),
            *good().pages,
        ),
        landing=LandingInfo(hop, CLICK, "spclid", (hop, hop + "&js=1", LANDING), LANDING),
    )
    assert evaluate(timeline) == []


def test_javascript_landing_hop_is_not_audited() -> None:
    hop = f"https://shop.test/listen?spclid={CLICK}"
    timeline = replace(
        good(),
        pages=(
            page(hop, doc("<script>location.replace('/?'+location.search)</script>")),
            *good().pages,
        ),
        landing=LandingInfo(hop, CLICK, "spclid", (hop,), LANDING),
    )
    assert evaluate(timeline) == []


def test_same_order_sent_twice_with_different_fields_is_a_duplicate() -> None:
    params = {"value": 1, "currency": "USD", "order_id": "A"}
    base = purchase_timeline(params)
    more = {**params, "quantity": 1}
    twice = replace(base, records=(*base.records, ingest("purchase", more, url=THANKS)))
    assert "DUPLICATE_EVENT" in found(twice)


def test_emails_in_page_urls_are_redacted() -> None:
    thanks = THANKS + "?email=buyer%40example.com&plan=pro"
    base = purchase_timeline({"value": 5, "order_id": "1"}, delivered=False)
    timeline = replace(
        base,
        calls=tuple(replace(c, page_url=thanks) if c.page_url == THANKS else c for c in base.calls),
    )
    (hit,) = found(timeline)["MISSING_CURRENCY"]
    assert hit.page == "https://shop.test/thanks?email=buye…&plan=pro"
    assert "example.com" not in json.dumps(hit.to_json())


def test_event_calls_without_a_base_code_are_pixel_not_found() -> None:
    thanks = page(THANKS, doc(body="<script>spdt('purchase', {value: 1})</script>"))
    timeline = replace(
        good(),
        pages=(*good().pages, thanks),
        errors=(PageError(THANKS, "TypeError: spdt is not a function"),),
    )
    (hit,) = found(timeline)["PIXEL_NOT_FOUND"]
    assert hit.page == THANKS
    assert "TypeError: spdt is not a function" in hit.evidence
    assert "BASE_CODE_BROKEN" not in found(timeline)


def test_script_url_typo_is_named_in_the_evidence() -> None:
    typo = "https://pixel.byspotfy.com/ping.min.js"
    html = doc(official().replace(SCRIPT, typo) + noscript())
    timeline = replace(
        good(),
        pages=(page(LANDING, html),),
        network=(NetworkEvent(typo, "GET", "script", LANDING, None, "net::ERR_NAME_NOT_RESOLVED"),),
        records=(),
    )
    (hit,) = found(timeline)["SCRIPT_NOT_LOADED"]
    assert hit.evidence[0] == f"the base code loads {typo}, not a pixel script URL"
    assert "ERR_NAME_NOT_RESOLVED" in hit.evidence[1]
    assert "PIXEL_NOT_FOUND" not in found(timeline)


def test_unrelated_inline_violation_is_not_a_pixel_block() -> None:
    timeline = replace(
        good(), violations=(CspViolation(LANDING, "script-src-elem", "inline", "enforce"),)
    )
    assert "CSP_BLOCKS_SCRIPT" not in found(timeline)


def test_legacy_podsights_loader_is_the_pixel() -> None:
    legacy = official().replace(SCRIPT, "https://cdn.pdst.fm/ping.min.js")
    timeline = replace(
        good(),
        pages=(page(LANDING, doc(legacy + noscript())),),
        network=(NetworkEvent("https://cdn.pdst.fm/ping.min.js", "GET", "script", LANDING, 200),),
    )
    # a working install: only the information that names the loader
    (info,) = evaluate(timeline)
    assert (info.code, info.severity) == ("LEGACY_PODSIGHTS_LOADER", "info")
    assert info.message.endswith(
        "installs the pixel through the legacy Podsights loader (cdn.pdst.fm/ping.min.js, "
        "window.pdst): a supported install that loads the same ping.min.js as "
        "pixel.byspotify.com."
    )
    assert info.evidence[0].startswith("GET https://cdn.pdst.fm/ping.min.js → 200")
    csp = replace(
        timeline,
        pages=(
            page(
                LANDING,
                doc(legacy + noscript()),
                content_security_policy="script-src 'unsafe-inline' pixel.byspotify.com",
            ),
        ),
    )
    assert "cdn.pdst.fm" in found(csp)["CSP_BLOCKS_SCRIPT"][0].message


def test_noscript_key_mismatch_from_the_javascript_disabled_run() -> None:
    hit = Record(
        id=999,
        time=0.0,
        session="s",
        host="img.byspotify.com",
        method="GET",
        path="/",
        kind="image",
        status=200,
        page=HOME,
        events=(PixelEvent("init", KEY2),),
    )
    run = Timeline(session="s-noscript", records=(hit,))
    timeline = replace(good(), pages=(page(LANDING, doc(official())),), noscript=run)
    codes_found = found(timeline)
    assert "NOSCRIPT_KEY_MISMATCH" in codes_found
    assert "NOSCRIPT_MISSING" not in codes_found  # the run did reach an image pixel
    assert "NOSCRIPT_KEY_MISMATCH" not in found(replace(timeline, noscript=Timeline(session="x")))


_text = st.text(max_size=40)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=8,
)
_urls = st.sampled_from(
    [LANDING, THANKS, HOME, "", "::", "https://[::1", "javascript:x", "https://www.shop.test/"]
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(_urls, st.one_of(st.none(), st.integers(100, 599)), _text, _text), max_size=3
    ),
    st.lists(
        st.tuples(
            _urls, _json, st.lists(_json, max_size=2), st.floats(allow_nan=True), st.booleans()
        ),
        max_size=6,
    ),
    st.lists(
        st.tuples(
            _urls,
            _text,
            _json,
            st.sampled_from(["ingest", "image", "script", "x"]),
            st.integers(0, 600),
        ),
        max_size=4,
    ),
    st.one_of(st.none(), st.tuples(_urls, _text, _urls)),
    st.one_of(st.none(), st.integers(-5, 50)),
)
def test_evaluate_never_raises(
    pages: Any, calls: Any, records: Any, landing: Any, consent: Any
) -> None:
    timeline = Timeline(
        session="s",
        pages=tuple(
            PageLoad(u, status, {"content-security-policy": csp}, html, (u,))
            for u, status, csp, html in pages
        ),
        calls=tuple(
            SpdtCall(i, u, command, tuple(args), time, threw=threw)
            for i, (u, command, args, time, threw) in enumerate(calls)
        ),
        records=tuple(
            Record(
                id=i,
                time=0.0,
                session="s",
                host="pixels.spotify.com",
                method="POST",
                path="/",
                kind=kind,
                status=status,
                page=u,
                events=(PixelEvent(name, None, params if isinstance(params, dict) else {}, u),),
            )
            for i, (u, name, params, kind, status) in enumerate(records)
        ),
        landing=LandingInfo(landing[0], landing[1], "spclid", (landing[0],), landing[2])
        if landing
        else None,
        storage=(snapshot(cookies=(cookie("c", landing[1] if landing else "x", "."),)),),
        consent_after_record=consent,
        expected_events=("purchase",),
    )
    for finding in evaluate(timeline):
        json.dumps(finding.to_json())


def test_events_without_a_page_url_count_as_delivered_by_name() -> None:
    record = ingest("view")
    no_url = replace(
        record, page="https://shop.test/", events=(replace(record.events[0], url=None),)
    )
    assert "EVENT_NOT_DELIVERED" not in found(replace(good(), records=(no_url,)))
    assert "EVENT_NOT_DELIVERED" in found(replace(good(), records=()))


def test_unrecorded_session_with_successful_ingest_requests_is_not_undelivered() -> None:
    ok = NetworkEvent(INGEST, "POST", "fetch", LANDING, 204)
    assert "EVENT_NOT_DELIVERED" not in found(
        replace(good(), records=(), network=(script_hit(), ok))
    )


def test_base_code_parked_by_a_consent_manager() -> None:
    parked = official().replace(
        "<script>", '<script type="text/plain" data-cookieconsent="marketing">'
    )
    timeline = replace(
        good(), pages=(page(LANDING, doc(parked)),), calls=(), records=(), network=()
    )
    (hit,) = found(timeline)["PIXEL_NOT_FOUND"]
    assert hit.message.endswith(
        "(a consent manager holds the base code back and did not release it in this run)."
    )
    assert hit.evidence[0] == "1 pixel snippet(s) parked as non-running <script type>"


# -- parameter types, placeholders, personal data, event_id ------------------------------------


def test_spotify_quoted_numbers_give_no_findings() -> None:
    params = {
        "value": "133.55",
        "currency": "USD",
        "order_id": "SP-ORD-12345",
        "quantity": "3",
        "is_new_customer": "true",
    }
    assert evaluate(purchase_timeline(params)) == []


def test_insert_value_is_an_unfilled_placeholder_not_an_invalid_value() -> None:
    result = found(purchase_timeline({"value": "INSERT_VALUE", "currency": "USD", "order_id": "1"}))
    assert set(result) == {"UNFILLED_PLACEHOLDER"}
    assert result["UNFILLED_PLACEHOLDER"][0].message == (
        "Purchase: parameter value is an unfilled placeholder: 'INSERT_VALUE' (str)"
    )


def test_an_empty_undocumented_field_is_silent() -> None:
    base = good()
    view = {"path": "/", "search": "", "title": "Shop", "referrer": ""}
    timeline = replace(
        base,
        calls=(call(1, "conf", {"key": KEY}), call(2, "view", view)),
        records=(ingest("view", view),),
    )
    assert evaluate(timeline) == []


def test_personal_data_is_a_warning_with_redacted_evidence() -> None:
    params = {"type": "demo", "contact_email": "jane.doe@example.com", "mobile": "07700900123"}
    base = good()
    timeline = replace(
        base,
        calls=(*base.calls, call(3, "lead", params)),
        records=(*base.records, ingest("lead", params)),
    )
    result = found(timeline)
    assert set(result) == {"PERSONAL_DATA_IN_EVENT"}
    messages = sorted(f.message for f in result["PERSONAL_DATA_IN_EVENT"])
    assert messages == [
        "Lead: parameter contact_email holds an email address in a 'lead' event.",
        "Lead: parameter mobile holds a phone number in a 'lead' event.",
    ]
    text = json.dumps([f.to_json() for f in result["PERSONAL_DATA_IN_EVENT"]])
    assert "jane" in text  # shortened to its first four characters …
    assert "jane.doe@example.com" not in text
    assert "example.com" not in text
    assert "07700900123" not in text


def test_repeated_alias_is_never_a_duplicate_event() -> None:
    base = good()
    alias = {"id": "u-1", "email": "jane@example.com"}
    timeline = replace(
        base,
        calls=(*base.calls, call(3, "alias", alias), call(4, "alias", alias)),
        records=(*base.records, ingest("alias", alias), ingest("alias", alias)),
    )
    assert evaluate(timeline) == []


def test_a_constant_event_id_on_different_pages_is_reused() -> None:
    base = good()
    other = "https://shop.test/product"
    timeline = replace(
        base,
        calls=(
            call(1, "conf", {"key": KEY}),
            call(2, "view", {"event_id": "/"}),
            call(1, "conf", {"key": KEY}, url=other),
            call(2, "product", {"event_id": "/"}, url=other),
        ),
        records=(
            ingest("view", {"event_id": "/"}),
            ingest("product", {"event_id": "/"}, url=other),
        ),
    )
    (hit,) = found(timeline)["EVENT_ID_REUSED"]
    assert hit.severity == "warning"
    assert hit.message.startswith("event_id '/' is used by 2 different events or pages")
    # the same event_id on the pixel event and its own delivery is one use, not a reuse
    assert "EVENT_ID_REUSED" not in found(
        purchase_timeline({"value": 1, "currency": "USD", "event_id": "e1"})
    )


def image_hit(name: str, params: dict[str, Any], url: str = THANKS) -> Record:
    event = PixelEvent(name=name, key=KEY, params=params, event_id=params.get("event_id"))
    return Record(
        id=next(_ids),
        time=0.0,
        session="s",
        host="img.byspotify.com",
        method="GET",
        path="/",
        kind="image",
        status=200,
        page=url,
        events=(event,),
    )


def test_one_conversion_through_the_js_and_the_image_pixel_is_counted_twice() -> None:
    params = {"value": 79.99, "currency": "USD", "order_id": "SP-1"}
    timeline = purchase_timeline(params)
    twice = replace(timeline, records=(*timeline.records, image_hit("purchase", params)))
    (hit,) = found(twice)["CONVERSION_COUNTED_TWICE"]
    assert hit.message == (
        "purchase arrives twice, through the JavaScript pixel and through the image pixel "
        "(img.byspotify.com): Spotify counts it twice."
    )
    assert hit.page == THANKS
    other = replace(
        timeline, records=(*timeline.records, image_hit("purchase", {"order_id": "SP-2"}))
    )
    assert "CONVERSION_COUNTED_TWICE" not in found(other)
    init = replace(timeline, records=(*timeline.records, image_hit("init", {})))
    assert "CONVERSION_COUNTED_TWICE" not in found(init)


# -- loaders seen in the wild -----------------------------------------------------------------
PDST_SCRIPT = "https://cdn.pdst.fm/ping.min.js"


def podsights(key: str = KEY) -> str:
    """The legacy Podsights snippet as sites still serve it (docs/evidence.md, "Loaders")."""
    return f"""<script>
  (function (w, d) {{
    var id = 'pdst-capture', n = 'script';
    if (!d.getElementById(id)) {{
      w.pdst = w.pdst || function () {{ (w.pdst.q = w.pdst.q || []).push(arguments); }};
      var e = d.createElement(n); e.id = id; e.async = 1;
      e.src = 'https://cdn.pdst.fm/ping.min.js';
      var s = d.getElementsByTagName(n)[0]; s.parentNode.insertBefore(e, s);
    }}
    w.pdst('conf', {{ key: '{key}' }});
    w.pdst('view');
  }})(window, document);
</script>"""


def podsights_timeline(*, loaded: bool = True) -> Timeline:
    hit = NetworkEvent(
        PDST_SCRIPT,
        "GET",
        "script",
        LANDING,
        200 if loaded else None,
        None if loaded else "net::ERR_NAME_NOT_RESOLVED",
    )
    return replace(
        good(),
        pages=(page(LANDING, doc(podsights() + noscript())),),
        calls=(
            call(1, "conf", {"key": KEY}, global_name="pdst"),
            call(2, "view", global_name="pdst"),
        ),
        network=(hit,),
        records=(ingest("view"),) if loaded else (),
        assignments=(SpdtAssignment(LANDING, 1, "function", ("q",), global_name="pdst"),),
    )


def test_the_podsights_snippet_is_a_base_code_with_its_key() -> None:
    facts = analyse(
        doc(podsights()), LANDING, ("pixel.byspotify.com", "cdn.pdst.fm"), "ping.min.js", ()
    )
    (base,) = facts.base_codes
    assert (base.kind, base.calls, base.loads_script, base.legacy) == (
        "official",
        ("conf", "view"),
        True,
        True,
    )
    assert facts.conf_keys == (KEY,)
    assert facts.legacy_loader
    assert not analyse(
        doc(official()), LANDING, ("pixel.byspotify.com",), "ping.min.js", ()
    ).legacy_loader


def test_a_site_on_the_podsights_loader_is_not_broken() -> None:
    findings = found(podsights_timeline())
    assert set(findings) == {"LEGACY_PODSIGHTS_LOADER"}
    (info,) = findings["LEGACY_PODSIGHTS_LOADER"]
    assert info.severity == "info"
    assert info.evidence[1] == f'pdst(\'conf\', {{"key": "{KEY}"}}) on {LANDING[:-15]}…'


def test_a_podsights_loader_that_does_not_load_is_named_in_the_finding() -> None:
    findings = found(podsights_timeline(loaded=False))
    assert "LEGACY_PODSIGHTS_LOADER" not in findings
    (hit,) = findings["SCRIPT_NOT_LOADED"]
    assert hit.message.startswith(
        "The legacy Podsights loader cdn.pdst.fm is on https://shop.test/?spclid=clk1… but "
        "ping.min.js did not load"
    )
    assert "PIXEL_NOT_FOUND" not in findings


def test_pdst_events_without_conf_name_the_pdst_global() -> None:
    timeline = replace(
        podsights_timeline(), calls=(call(1, "view", global_name="pdst"),), records=()
    )
    (hit,) = found(timeline)["MISSING_CONF"]
    assert hit.message.startswith("pdst events (view) are called on")
    assert "pdst('conf', {key}) never is" in hit.message


def test_ping_loaded_but_never_configured_says_so() -> None:
    bare = doc(f'<script async src="{SCRIPT}"></script>')
    timeline = replace(good(), pages=(page(LANDING, bare),), calls=(), records=())
    (hit,) = found(timeline)["MISSING_CONF"]
    assert hit.message == (
        "ping.min.js is loaded on https://shop.test/?spclid=clk1… but the pixel is never "
        "configured: no spdt('conf', {key}) and no event is called, so nothing is tracked."
    )
    assert hit.evidence[0].startswith(f"GET {SCRIPT} → 200")
    # not loaded at all: that is SCRIPT_NOT_LOADED's business, not this one's
    failed = replace(timeline, network=(script_hit(failure="net::ERR_FAILED"),))
    assert "MISSING_CONF" not in found(failed)
    assert "SCRIPT_NOT_LOADED" in found(failed)


def test_a_script_refused_by_its_integrity_hash_did_not_load() -> None:
    refusal = (
        "Failed to find a valid digest in the 'integrity' attribute for resource "
        f"'{SCRIPT}' with computed SHA-384 integrity 'abc'. The resource has been blocked."
    )
    timeline = replace(
        good(),
        calls=(call(1, "conf", {"key": KEY}), call(2, "view")),
        records=(),
        errors=(PageError(LANDING, refusal, "console"),),
    )
    findings = found(timeline)
    (hit,) = findings["SCRIPT_NOT_LOADED"]
    # the request succeeded; the browser refused to run what it got
    assert hit.evidence == (
        f"GET {SCRIPT} → 200 (from https://shop.test/?spclid=clk1…)",
        f"blocked by the browser: {refusal}",
    )
    assert "EVENT_NOT_DELIVERED" not in findings
    # an integrity error about another script changes nothing
    other = replace(
        timeline,
        records=good().records,
        errors=(PageError(LANDING, refusal.replace(SCRIPT, "https://cdn.test/app.js"), "console"),),
    )
    assert "SCRIPT_NOT_LOADED" not in found(other)


def _apex_then_www(*, carried: bool) -> Timeline:
    www = "https://www.shop.test/thanks"
    event = PixelEvent(
        name="purchase",
        key=KEY,
        params={"value": 1, "currency": "USD", "order_id": "o"},
        url=www,
        click_id=CLICK if carried else None,
    )
    purchase = replace(ingest("purchase", url=www), events=(event,))
    return replace(
        good(),
        calls=(*good().calls, call(1, "purchase", {"value": 1}, url=www)),
        records=(*good().records, purchase),
        storage=(
            snapshot(session={"click_id": CLICK}),
            snapshot(www, session={"_spdt_sid": "0123456789abcdef"}),
        ),
    )


def test_click_id_in_apex_session_storage_is_not_visible_on_www() -> None:
    (hit,) = found(_apex_then_www(carried=False))["CLICK_ID_COOKIE_SCOPE"]
    assert hit.message == (
        "The click id is kept in sessionStorage click_id on shop.test, which is per origin, so "
        "it is not visible on www.shop.test where conversions happen."
    )
    assert hit.evidence[0] == "click id clk1… stored on shop.test: sessionStorage click_id"
    # the conversion on www carried it after all (e.g. the URL kept it): nothing to report
    assert "CLICK_ID_COOKIE_SCOPE" not in found(_apex_then_www(carried=True))


def test_evidence_tampering_names_each_refused_request_and_the_rest_stands() -> None:
    refused = Record(
        id=next(_ids),
        time=0.0,
        session="s",
        host="pixels.spotify.com",
        method="POST",
        path="/__spdt/reset",
        kind="tampering",
        status=404,
        page=THANKS,
        findings=(ValidationFinding("CONTROL_PATH_REFUSED", "error", "refused, nothing changed"),),
    )
    forged = replace(
        ingest("view"),
        id=next(_ids),
        findings=(
            ValidationFinding("SESSION_TAG_FORGED", "error", "claimed session credential 'x'"),
        ),
    )
    base = purchase_timeline({"value": 79.99, "currency": "USD", "order_id": "o1"})
    timeline = replace(base, records=(*base.records, refused, forged))
    found = {f.code: f for f in evaluate(timeline)}
    tampering = found["EVIDENCE_TAMPERING"]
    assert tampering.severity == "error"
    assert "1 request(s) to the recorder's control path" in tampering.message
    assert "1 request(s) with a forged session tag" in tampering.message
    assert any("POST pixels.spotify.com/__spdt/reset → 404" in e for e in tampering.evidence)
    assert "EVENT_NOT_DELIVERED" not in found  # the purchase still counts
    assert "EVIDENCE_TAMPERING" not in {f.code for f in evaluate(base)}


# -- who loaded it: the sources of duplicates --------------------------------------------------

SHOWN_LANDING = LANDING.replace(CLICK, "clk1…")
GTM_JS = "https://www.googletagmanager.com/gtm.js?id=GTM-K7T2QX"


def _from(*frames: tuple[str, int]) -> Initiator | None:
    return from_stack([{"url": url, "line": line, "column": 7} for url, line in frames])


THEME = _from((LANDING, 40))  # the theme's inline base code
GTM_TAG = _from(("<anonymous>", 15), (GTM_JS, 88))  # a GTM custom HTML tag


def test_duplicate_base_code_names_both_copies() -> None:
    timeline = replace(
        good(),
        calls=(
            call(1, "conf", {"key": KEY}, initiator=THEME),
            call(2, "view", initiator=THEME),
            call(3, "conf", {"key": KEY}, initiator=GTM_TAG),
            call(4, "view", initiator=GTM_TAG),
        ),
    )
    (hit,) = found(timeline)["DUPLICATE_BASE_CODE"]
    assert hit.evidence[-2:] == (
        f"spdt('conf') called from inline script at line 40 of {SHOWN_LANDING}",
        # the id parameter's value is shortened like any id in a URL; the container is named
        "spdt('conf') called from GTM-K7T2QX custom HTML tag, inserted by "
        "https://www.googletagmanager.com/gtm.js?id=GTM-…",
    )


def test_duplicate_base_code_from_two_script_requests_names_both_tags() -> None:
    inline = replace(script_hit(), initiator=_from((LANDING, 20)))
    tag = replace(script_hit(), initiator=Initiator("parser", url=LANDING, line=31))
    (hit,) = found(replace(good(), network=(inline, tag)))["DUPLICATE_BASE_CODE"]
    assert hit.evidence[-2:] == (
        f"ping.min.js requested by inline script at line 20 of {SHOWN_LANDING}",
        f"ping.min.js requested by a <script> tag at line 31 of {SHOWN_LANDING}",
    )


def test_duplicate_evidence_without_initiators_names_no_source() -> None:
    calls = (call(1, "conf", {"key": KEY}), call(2, "view"))
    twice = replace(good(), calls=(*calls, call(3, "conf", {"key": KEY}), call(4, "view")))
    (hit,) = found(twice)["DUPLICATE_BASE_CODE"]
    assert not [e for e in hit.evidence if "called from" in e]


def test_duplicate_purchase_names_both_tags() -> None:
    params = {"value": 1, "currency": "USD", "order_id": "A"}
    base = purchase_timeline(params)
    page_script = _from((THANKS, 37))
    container = _from(("https://shop.test/thanks/container.js", 22), (THANKS, 26))
    timeline = replace(
        base,
        calls=(
            *base.calls[:-1],
            replace(base.calls[-1], initiator=page_script),
            call(3, "purchase", params, url=THANKS, initiator=container),
        ),
        records=(*base.records, ingest("purchase", params, url=THANKS)),
    )
    (hit,) = found(timeline)["DUPLICATE_EVENT"]
    assert hit.evidence[-2:] == (
        f"spdt('purchase') called from inline script at line 37 of {THANKS}",
        "spdt('purchase') called from https://shop.test/thanks/container.js "
        "(a tag manager container)",
    )


def test_multiple_pixel_keys_names_where_each_key_is_configured() -> None:
    agency = _from(("https://agency.example/pixel.js", 3))
    timeline = replace(
        good(),
        calls=(
            call(1, "conf", {"key": KEY}, initiator=THEME),
            call(2, "conf", {"key": KEY2}, initiator=agency),
            call(3, "view", initiator=THEME),
        ),
    )
    (hit,) = found(timeline)["MULTIPLE_PIXEL_KEYS"]
    assert hit.evidence[-2:] == (
        f"spdt('conf') with key 012345…cdef called from inline script at line 40 of "
        f"{SHOWN_LANDING}",
        "spdt('conf') with key fedcba…3210 called from https://agency.example/pixel.js",
    )


# -- personal data in the page URL the pixel sends ----------------------------------------------

PAGE_URL_CODE = "PERSONAL_DATA_IN_PAGE_URL"
WITH_PAGE_URL = RuleConfig(enable=frozenset({PAGE_URL_CODE}))


def thanks_at(url: str) -> Timeline:
    """A correct purchase on a thank-you page at ``url``, as the live pixel delivers it: the
    page URL goes with the event."""
    params = {"value": 79.99, "currency": "USD", "order_id": "SP-1", "event_id": "e-1"}
    base = good()
    return replace(
        base,
        pages=(
            *base.pages,
            page(url, doc(official(events="w.spdt('purchase', {});") + noscript())),
        ),
        calls=(
            *base.calls,
            call(1, "conf", {"key": KEY}, url=url),
            call(2, "purchase", params, url=url),
        ),
        records=(*base.records, ingest("purchase", params, url=url)),
        network=(*base.network, script_hit(url)),
        storage=(*base.storage, snapshot(url, cookies=(cookie("_spdt_click_id", CLICK),))),
    )


def test_an_email_in_the_page_url_the_pixel_sends_is_a_warning() -> None:
    timeline = thanks_at(f"{THANKS}?email=jane.doe%40example.com&order=SP-1")
    result = found(timeline, WITH_PAGE_URL)
    assert set(result) == {PAGE_URL_CODE}
    (finding,) = result[PAGE_URL_CODE]
    assert finding.severity == "warning"
    assert finding.message == (
        f"The page URL {THANKS}?email=jane…&order=SP-1 holds an email address in query "
        "parameter email, and the pixel sent it with 1 event(s) (purchase)."
    )
    assert finding.page == f"{THANKS}?email=jane…&order=SP-1"
    assert len(finding.evidence) == 1
    assert finding.evidence[0].endswith(f": purchase url={THANKS}?email=jane…&order=SP-1")
    text = json.dumps(finding.to_json())
    assert "example.com" not in text
    assert "jane.doe" not in text


def test_an_email_in_the_path_of_the_page_url_is_named_and_shortened() -> None:
    timeline = thanks_at("https://shop.test/account/jane.doe@example.com/thanks")
    (finding,) = found(timeline, WITH_PAGE_URL)[PAGE_URL_CODE]
    assert finding.message == (
        "The page URL https://shop.test/account/jane…/thanks holds an email address in the "
        "path, and the pixel sent it with 1 event(s) (purchase)."
    )
    assert "example.com" not in json.dumps(finding.to_json())


def test_a_page_url_without_an_email_or_the_rule_not_enabled_is_silent() -> None:
    assert found(thanks_at(f"{THANKS}?order=SP-1&ref=mail"), WITH_PAGE_URL) == {}
    assert found(thanks_at(f"{THANKS}?email=jane.doe%40example.com")) == {}
