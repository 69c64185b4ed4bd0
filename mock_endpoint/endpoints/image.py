"""img.byspotify.com: Spotify's documented image pixel, ``GET /?key=KEY&a=ACTION``
(docs/evidence.md §5).

``a`` is init, product, addtocart, checkout, purchase or lead; purchase adds value, currency,
order_id and discount_code. Query strings are strings: ``value=79.99`` is read as the number
79.99 and ``quantity=2`` as 2 before validation, so only values a script could not have sent as
numbers (``79,99``) are reported. Answers a 1x1 GIF, valid or not (it is an image).

Server-side use (server-side GTM, Stape's tag) calls it from a server that must forward the
visitor's ``X-Forwarded-For``, ``User-Agent`` and ``Referer``: those three headers, and no
others, are kept on the record. A call is server-side when it carries no browser context: no
``Cookie`` and none of the ``Sec-Fetch-*`` headers every current browser sends with an image
request (the User-Agent cannot tell: a server forwards the visitor's). Such a call without
``X-Forwarded-For`` gets IMAGE_NO_CLIENT_IP (a warning: an old browser without Sec-Fetch-*
looks the same).
"""

from __future__ import annotations

from aiohttp import web

from mock_endpoint.endpoints.common import record, typed_query_param
from mock_endpoint.endpoints.script import gif_response
from mock_endpoint.records import PixelEvent, ValidationFinding
from mock_endpoint.validation import validate_pixel_event
from mock_endpoint.validation.registry import finding

RECORDED_HEADERS = ("X-Forwarded-For", "User-Agent", "Referer")
BROWSER_HEADERS = ("Cookie", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest")

IMAGE_ACTIONS = ("init", "product", "addtocart", "checkout", "purchase", "lead")


def is_server_side(request: web.Request) -> bool:
    """No browser context: no Cookie and no Sec-Fetch-* header."""
    return not any(h in request.headers for h in BROWSER_HEADERS)


async def image_pixel(request: web.Request) -> web.Response:
    q = request.query
    action, key = q.get("a"), q.get("key")
    params = {k: typed_query_param(k, v) for k, v in q.items() if k not in ("a", "key")}
    event = PixelEvent(name=action or "", key=key, params=params, event_id=q.get("event_id"))
    # "init" is the image pixel's page view: validate it as one.
    as_pixel = "view" if action == "init" else (action or "")
    findings = tuple(
        f for f in validate_pixel_event(as_pixel, key, params) if f.code != "UNKNOWN_EVENT"
    )
    if action not in IMAGE_ACTIONS:
        findings = (
            ValidationFinding(
                "UNKNOWN_EVENT",
                "warning",
                f"image pixel action a={action!r} is not one of {'|'.join(IMAGE_ACTIONS)}",
            ),
            *findings,
        )
    if is_server_side(request) and not request.headers.get("X-Forwarded-For", "").strip():
        findings = (
            *findings,
            finding(
                "IMAGE_NO_CLIENT_IP",
                "server-side image pixel call without X-Forwarded-For: forward the visitor's IP "
                "(and User-Agent, Referer), or the conversion is attributed to your server",
            ),
        )
    headers = {h: request.headers[h] for h in RECORDED_HEADERS if h in request.headers}
    record(request, kind="image", status=200, events=(event,), findings=findings, headers=headers)
    return gif_response()
