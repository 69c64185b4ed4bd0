"""img.byspotify.com: Spotify's documented image pixel, ``GET /?key=KEY&a=ACTION`` (facts §5).

``a`` is init, product, addtocart, checkout, purchase or lead; purchase adds value, currency,
order_id and discount_code. Query strings are strings: ``value=79.99`` is read as the number
79.99 and ``quantity=2`` as 2 before validation, so only values a script could not have sent as
numbers (``79,99``) are reported. Answers a 1x1 GIF, valid or not (it is an image).
"""

from __future__ import annotations

from aiohttp import web

from mock_endpoint.endpoints.common import record, typed_query_param
from mock_endpoint.endpoints.script import gif_response
from mock_endpoint.records import Finding, PixelEvent
from mock_endpoint.validation import validate_pixel_event

IMAGE_ACTIONS = ("init", "product", "addtocart", "checkout", "purchase", "lead")


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
            Finding(
                "UNKNOWN_EVENT",
                "warning",
                f"image pixel action a={action!r} is not one of {'|'.join(IMAGE_ACTIONS)}",
            ),
            *findings,
        )
    record(request, kind="image", status=200, events=(event,), findings=findings)
    return gif_response()
