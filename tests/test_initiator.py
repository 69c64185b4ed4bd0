"""Who loaded it, in words: the initiator of a request or a call, from Chromium's DevTools
protocol or the stack at call time (harness/capture/initiator.py)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pytest

from harness.capture.initiator import (
    MAX_FRAMES,
    MAX_URL,
    Frame,
    Initiator,
    describe,
    from_cdp,
    from_json,
    from_stack,
    tag_manager,
)

PAGE = "https://shop.test/collections/summer"
GTM = "https://www.googletagmanager.com/gtm.js?id=GTM-K7T2QX"
CONTAINER = "https://shop.test/container.js"


def stack(*frames: tuple[str, int]) -> Initiator | None:
    return from_stack([{"url": url, "line": line, "column": 3} for url, line in frames])


@pytest.mark.parametrize(
    ("initiator", "expected"),
    [
        (stack((PAGE, 40)), f"inline script at line 40 of {PAGE}"),
        (stack((PAGE + "#top", 40)), f"inline script at line 40 of {PAGE}#top"),
        (stack(("https://shop.test/theme.js", 812)), "https://shop.test/theme.js"),
        (stack((GTM, 120)), f"{GTM} (tag manager container GTM-K7T2QX)"),
        (stack((CONTAINER, 22)), f"{CONTAINER} (a tag manager container)"),
        (
            stack(("https://tags.tiqcdn.com/utag/acme/main/prod/utag.js", 9)),
            "https://tags.tiqcdn.com/utag/acme/main/prod/utag.js (tag manager container acme/main)",
        ),
        # a custom HTML tag: V8 names an inserted script's frames <anonymous>, above gtm.js
        (
            stack(("<anonymous>", 3), ("<anonymous>", 5), (GTM, 88)),
            f"GTM-K7T2QX custom HTML tag, inserted by {GTM}",
        ),
        (
            stack(("", 15), (CONTAINER, 22)),
            f"a script inserted by {CONTAINER} (a tag manager container)",
        ),
        (
            stack(("", 2), (PAGE, 61)),
            f"a script inserted by the inline script at line 61 of {PAGE}",
        ),
        (
            stack(("<anonymous>", 2)),
            "a script inserted at run time (its inserter is not on the stack)",
        ),
        # the theme's own helper, run by the tag manager
        (
            stack((PAGE, 12), (GTM, 88)),
            f"inline script at line 12 of {PAGE}, called from {GTM} "
            "(tag manager container GTM-K7T2QX)",
        ),
        (Initiator("parser", url=PAGE, line=9), f"a <script> tag at line 9 of {PAGE}"),
        (Initiator("other"), "the browser (no script asked for it)"),
        (None, "unknown (the browser gave no initiator)"),
    ],
)
def test_describe(initiator: Initiator | None, expected: str) -> None:
    assert describe(initiator, PAGE) == expected


def test_describe_formats_each_url_with_the_callers_function() -> None:
    shown = describe(stack(("", 1), (GTM, 2)), PAGE, show=lambda url: url.upper())
    assert shown == f"GTM-K7T2QX custom HTML tag, inserted by {GTM.upper()}"


def test_devtools_parser_initiator_lines_are_one_based() -> None:
    cdp = {"type": "parser", "url": PAGE, "lineNumber": 8, "columnNumber": 33}
    assert from_cdp(cdp) == Initiator("parser", url=PAGE, line=9, column=34)


def test_devtools_script_initiator_takes_the_first_part_with_frames() -> None:
    cdp = {
        "type": "script",
        "stack": {
            "callFrames": [],
            "parent": {
                "description": "setTimeout",
                "callFrames": [
                    {"functionName": "", "url": "", "lineNumber": 3, "columnNumber": 83},
                    {
                        "functionName": "inject",
                        "url": CONTAINER,
                        "lineNumber": 5,
                        "columnNumber": 16,
                    },
                ],
            },
        },
    }
    initiator = from_cdp(cdp)
    assert initiator == Initiator("script", frames=(Frame("", 4, 84), Frame(CONTAINER, 6, 17)))
    assert (
        describe(initiator, PAGE) == f"a script inserted by {CONTAINER} (a tag manager container)"
    )


def test_devtools_initiators_without_a_script() -> None:
    assert from_cdp({"type": "other"}) == Initiator("other")
    assert from_cdp({"type": "preload"}) == Initiator("other")
    assert from_cdp({"type": "script", "url": CONTAINER, "lineNumber": 0}) == Initiator(
        "script", frames=(Frame(CONTAINER, 1),)
    )


@pytest.mark.parametrize(
    "value",
    [None, "x", 3, [], [{"url": PAGE}], [{"url": PAGE, "line": "4"}], [{"line": True}]],
)
def test_unreadable_stacks_give_no_initiator(value: Any) -> None:
    assert from_stack(value) is None


@pytest.mark.parametrize("value", [None, "parser", {"type": 3}, {"stack": {}}])
def test_unreadable_devtools_initiators_give_none(value: Any) -> None:
    assert from_cdp(value) is None


def test_stacks_are_bounded() -> None:
    long = "https://shop.test/" + "a" * 1000 + ".js"
    initiator = from_stack([{"url": long, "line": i, "column": 0} for i in range(1, 50)])
    assert initiator is not None
    assert len(initiator.frames) == MAX_FRAMES
    assert {len(f.url) for f in initiator.frames} == {MAX_URL}


def test_json_round_trip() -> None:
    initiators = [
        stack(("", 15), (CONTAINER, 22)),
        Initiator("parser", url=PAGE, line=9, column=34),
        Initiator("other"),
    ]
    for initiator in initiators:
        assert initiator is not None
        assert from_json(json.loads(json.dumps(initiator.to_json()))) == initiator
        assert from_json(json.loads(json.dumps(asdict(initiator)))) == initiator  # the plugin's
    assert from_json({"frames": []}) is None
    assert from_json("script") is None


def test_tag_manager_containers() -> None:
    assert tag_manager(GTM) == ("Google Tag Manager", "GTM-K7T2QX")
    assert tag_manager("https://www.googletagmanager.com/gtag/js?id=G-ABCD1234") == (
        "Google tag",
        "G-ABCD1234",
    )
    assert tag_manager("https://www.googletagmanager.com/gtm.js?id=<script>") == (
        "Google Tag Manager",
        "",
    )
    assert tag_manager(CONTAINER + "?v=2") == ("", "")
    assert tag_manager("https://shop.test/theme.js") is None
    assert tag_manager("https://pixel.byspotify.com/ping.min.js") is None
