"""The one table of audit rules: code, severity, title, fix, and the source the rule relies on.

docs/findings.md documents every row; a test checks that the two agree.
"""

from __future__ import annotations

from harness.rules.model import RuleSpec

ADS_MANAGER = "Spotify Ads Manager"

TABLE: tuple[RuleSpec, ...] = (
    RuleSpec(
        "PIXEL_NOT_FOUND",
        "error",
        "no base code or pixel script on the page",
        f"Paste the base code from {ADS_MANAGER} into the <head> of every page (sitewide).",
        "live pixel",
    ),
    RuleSpec(
        "SCRIPT_NOT_LOADED",
        "error",
        "base code present, ping.min.js did not load (blocked, failed)",
        "Make https://pixel.byspotify.com/ping.min.js load: allow it in the CSP, check the URL "
        "and that no consent tool or blocker removes it.",
        "live pixel",
    ),
    RuleSpec(
        "BASE_CODE_BROKEN",
        "error",
        "the base code throws or spdt is not callable (e.g. the guide's object stub)",
        f"Use the base code from {ADS_MANAGER} (the official function stub "
        "`w.spdt = w.spdt || function(){(w.spdt.q = w.spdt.q || []).push(arguments)}`).",
        "guide vs live pixel",
    ),
    RuleSpec(
        "DUPLICATE_BASE_CODE",
        "warning",
        "base code or script included more than once",
        "Install the base code once per page: either directly or through the tag manager, "
        "not both.",
        "Spotify's advice",
    ),
    RuleSpec(
        "MISSING_CONF",
        "error",
        "events without any conf key, or ping.min.js loaded but never configured",
        "Call spdt('conf', {key: '<your 32-hex pixel key>'}) before any event (it is part of "
        "the base code).",
        "live pixel",
    ),
    RuleSpec(
        "EVENT_BEFORE_CONF",
        "warning",
        "an event called before conf",
        "Call spdt('conf', …) first: keep the base code above every event call.",
        "live pixel",
    ),
    RuleSpec(
        "MULTIPLE_PIXEL_KEYS",
        "warning",
        "more than one distinct key conf'd on a page",
        "Conf one pixel key per page; conf is global and the last call wins.",
        "live pixel",
    ),
    RuleSpec(
        "INVALID_PIXEL_KEY",
        "error",
        "key not 32 hex characters, or a placeholder such as YOUR_PIXEL_ID",
        f"Use the 32-character lowercase hex pixel key from {ADS_MANAGER}.",
        "live pixel",
    ),
    RuleSpec(
        "UNFILLED_PLACEHOLDER",
        "error",
        "a documented parameter holds a template placeholder ({{…}}, ${…}, Spotify's INSERT_* and "
        "snippet tokens such as VARIANT_NAME, 'undefined', …) or an empty string",
        "Fill the template variable (or leave the parameter out) before the event is sent.",
        "live pixel",
    ),
    RuleSpec(
        "UNKNOWN_EVENT",
        "warning",
        "an event name the live pixel does not support (e.g. the guide's `custom`)",
        "Use a live event name: view, product, lead, signup, addtocart, checkout, purchase, "
        "alias or custom_event_1 … custom_event_5.",
        "guide vs live pixel",
    ),
    RuleSpec(
        "DUPLICATE_EVENT",
        "warning",
        "the same event sent twice for one page view (e.g. a manual view on SPA navigation)",
        "Send each event once per page view; on a single-page app do not call spdt('view') on "
        "route changes: the pixel reports history navigation itself.",
        "live pixel",
    ),
    RuleSpec(
        "MISSING_CURRENCY",
        "error",
        "value without currency",
        "Send currency (an ISO 4217 code such as 'USD') with every value.",
        "live pixel",
    ),
    RuleSpec(
        "MISSING_VALUE",
        "warning",
        "purchase without value",
        "Send the order's value (a number) and currency with purchase.",
        "live pixel",
    ),
    RuleSpec(
        "INVALID_CURRENCY",
        "error",
        "currency not an ISO 4217 code",
        "Send a three-letter ISO 4217 code ('GBP', not '£').",
        "live pixel",
    ),
    RuleSpec(
        "INVALID_VALUE",
        "error",
        "value not a number >= 0 (e.g. '79,99'; a clean numeric string such as '133.55' is valid)",
        "Send value as a JSON number with a dot decimal separator (79.99, not '79,99').",
        "live pixel",
    ),
    RuleSpec(
        "INVALID_PARAMETER",
        "warning",
        "a documented parameter of the wrong type (quantity, is_new_customer, line_items …; '3' "
        "and 'true' are valid)",
        "Send documented parameters with their documented types (quantity an integer, "
        "is_new_customer a boolean, line_items a list of objects).",
        "live pixel",
    ),
    RuleSpec(
        "MISSING_ORDER_ID",
        "warning",
        "purchase without order_id or event_id (event_id deduplicates with server-side events)",
        "Send event_id with purchase, the same event_id your server-side (Conversions API) "
        "event carries: Spotify deduplicates pixel and server events by event_id only; order_id "
        "is not a dedup key.",
        "live pixel",
    ),
    RuleSpec(
        "EVENT_NOT_FIRED",
        "error",
        "an event the flow or journey expects never fired",
        "Call spdt('<event>', …) on the action itself (or its confirmation page).",
        "flow",
    ),
    RuleSpec(
        "EVENT_NOT_DELIVERED",
        "error",
        "spdt was called but no beacon reached the ingest host",
        "Let the pixel reach https://pixels.spotify.com/v1/ingest: allow it in connect-src and "
        "do not block it.",
        "live pixel",
    ),
    RuleSpec(
        "CLICK_ID_NOT_PERSISTED",
        "error",
        "after landing with a click id, no first-party storage holds it",
        "Load the base code on the landing page itself, keep the click id parameter in the URL "
        "until it runs, and do not clear the pixel's storage.",
        "live pixel",
    ),
    RuleSpec(
        "CLICK_ID_DROPPED_BY_REDIRECT",
        "error",
        "the landing redirect chain stripped the click id",
        "Make every redirect of ad landing URLs (HTTP 30x and JavaScript) keep the query string.",
        "Spotify's advice",
    ),
    RuleSpec(
        "CLICK_ID_COOKIE_SCOPE",
        "warning",
        "the click id cookie is not visible on the host where conversion happens",
        "Serve landing and conversion pages from one host (redirect apex → www before the pixel "
        "runs), or make the cookie domain-wide.",
        "live pixel",
    ),
    RuleSpec(
        "CSP_BLOCKS_SCRIPT",
        "error",
        "CSP blocks pixel.byspotify.com in script-src",
        "Add https://pixel.byspotify.com to script-src (and let the inline base code run: a "
        "nonce or hash, or 'unsafe-inline').",
        "live pixel",
    ),
    RuleSpec(
        "CSP_BLOCKS_EVENTS",
        "error",
        "CSP blocks pixels.spotify.com in connect-src",
        "Add https://pixels.spotify.com to connect-src.",
        "guide vs live pixel",
    ),
    RuleSpec(
        "CSP_BLOCKS_IMAGE",
        "warning",
        "CSP blocks the image pixel host in img-src",
        "Add the image pixel host (https://img.byspotify.com) to img-src.",
        "live pixel",
    ),
    RuleSpec(
        "CSP_REPORT_ONLY_WOULD_BLOCK",
        "warning",
        "a Report-Only policy would block the pixel if enforced",
        "Before enforcing the policy, allow https://pixel.byspotify.com in script-src and "
        "https://pixels.spotify.com in connect-src.",
        "live pixel",
    ),
    RuleSpec(
        "NOSCRIPT_MISSING",
        "info",
        "no noscript image fallback",
        'Optionally add <noscript><img src="https://img.byspotify.com/?key=KEY&a=init"></noscript>'
        " (Spotify's documented image pixel).",
        "guide",
    ),
    RuleSpec(
        "NOSCRIPT_KEY_MISMATCH",
        "warning",
        "noscript key differs from the conf key",
        "Use the same pixel key in the noscript image as in spdt('conf', …).",
        "guide",
    ),
    RuleSpec(
        "PIXEL_BEFORE_CONSENT",
        "error",
        "pixel traffic before the consent step of a flow",
        "Load the base code only after consent (or gate it in your consent tool).",
        "flow",
    ),
    RuleSpec(
        "BASE_CODE_NOT_IN_HEAD",
        "info",
        "the base code is in the body, not the document head",
        "Move the base code into <head> so it runs before any event and on every page.",
        "Spotify's advice",
        optional=True,
    ),
    RuleSpec(
        "EVENT_COUNT_MISMATCH",
        "error",
        "an event the flow expects exactly N times arrived another number of times",
        "Send the event once per action: look for a second copy of the base code, a tag that "
        "fires on every route change, or a handler bound twice.",
        "flow",
    ),
    RuleSpec(
        "PIXEL_TRAFFIC_UNEXPECTED",
        "error",
        "pixel traffic while the flow expected none",
        "Find what loads the pixel or sends the event at that point of the flow (the evidence "
        "lists each request) and gate it.",
        "flow",
    ),
    RuleSpec(
        "PIXEL_IGNORES_CONSENT",
        "error",
        "pixel traffic after the visitor rejected consent, or after a withdrawal",
        "Gate the base code on the consent value (targeting or marketing granted, ad_storage "
        "granted), not on a choice having been made; after a withdrawal, load it no more.",
        "flow",
    ),
    RuleSpec(
        "PERSONAL_DATA_IN_EVENT",
        "warning",
        "raw personal data (an email address, a phone number) in an event other than alias",
        "Send identifiers only with spdt('alias', {email, phone_number}) (the pixel hashes them "
        "itself); remove them from other events' parameters and from page URLs.",
        "live pixel",
    ),
    RuleSpec(
        "EVENT_ID_REUSED",
        "warning",
        "one event_id on different events or page views (e.g. location.pathname)",
        "Give every event its own event_id (an order number, a UUID per event) and reuse it only "
        "for the server-side copy of that same event: Spotify drops later events with a seen "
        "event_id as duplicates.",
        "live pixel",
    ),
    RuleSpec(
        "CONVERSION_COUNTED_TWICE",
        "warning",
        "one conversion sent through both the JavaScript pixel and the image pixel",
        "Send each conversion through one channel: the JavaScript pixel, or the image pixel "
        "(browser or server-side), not both; Spotify counts each arrival.",
        "live pixel",
    ),
    RuleSpec(
        "LEGACY_PODSIGHTS_LOADER",
        "info",
        "the pixel loads through the legacy Podsights loader (cdn.pdst.fm, window.pdst)",
        "Nothing is broken. When convenient, replace the snippet with the base code from "
        f"{ADS_MANAGER} (pixel.byspotify.com/ping.min.js, spdt, the spdt-capture guard id).",
        "live pixel",
    ),
    RuleSpec(
        "EVIDENCE_TAMPERING",
        "error",
        "the page tried to change the recorded evidence (control path, forged session tag)",
        "Remove whatever sends requests to /__spdt/ paths or sets an X-Spdt-Session header: "
        "a page must not reach the recorder's control API.",
        "harness",
    ),
)
