"""Consent choices: run a flow's consent step as accept, reject, none or revoke.

A consent step names CSS selectors (``accept``, ``reject``, ``withdraw``) and a ``tool``. With
``tool: auto`` (the default) the page is asked which consent tool it runs, and the tool's own
documented API is used when one is found; the selectors otherwise:

- OneTrust: ``OneTrust.AllowAll()`` / ``OneTrust.RejectAll()`` (withdraw: ``RejectAll``); the
  choice lands in the ``OptanonConsent`` cookie (``groups=…C0004:1`` for targeting).
  https://developer.onetrust.com/onetrust/docs/javascript-api
- Cookiebot: ``Cookiebot.submitCustomConsent(preferences, statistics, marketing)`` and
  ``Cookiebot.withdraw()``; the choice lands in the ``CookieConsent`` cookie.
  https://www.cookiebot.com/en/developer/
- Google Consent Mode: ``gtag('consent', 'update', {ad_storage, ad_user_data,
  ad_personalization})`` with ``granted`` or ``denied``.
  https://developers.google.com/tag-platform/security/guides/consent

``revoke`` accepts at the consent step and withdraws at the end of the flow.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from harness.errors import UsageError

CHOICES = ("accept", "reject", "none", "revoke")
# Findings that only say "the pixel did not run": what a correct site does without consent, so
# not reported for the choices reject and none.
SILENT_WITHOUT_CONSENT = frozenset(
    {
        "PIXEL_NOT_FOUND",
        "SCRIPT_NOT_LOADED",
        "CLICK_ID_NOT_PERSISTED",
        "EVENT_NOT_FIRED",
        "EVENT_NOT_DELIVERED",
        "EVENT_COUNT_MISMATCH",
    }
)
TOOLS = ("auto", "onetrust", "cookiebot", "gcm", "selector")
ACTIONS = ("accept", "reject", "withdraw")

_DETECT = """() => {
  const w = window;
  if (w.OneTrust && typeof w.OneTrust.AllowAll === 'function'
      && typeof w.OneTrust.RejectAll === 'function') return 'onetrust';
  if (w.Cookiebot && typeof w.Cookiebot.submitCustomConsent === 'function') return 'cookiebot';
  if (typeof w.gtag === 'function' && Array.isArray(w.dataLayer) && w.dataLayer.some(
      (e) => e && e[0] === 'consent')) return 'gcm';
  return 'selector';
}"""

_API: dict[str, dict[str, str]] = {
    "onetrust": {
        "accept": "() => window.OneTrust.AllowAll()",
        "reject": "() => window.OneTrust.RejectAll()",
        "withdraw": "() => window.OneTrust.RejectAll()",
    },
    "cookiebot": {
        "accept": "() => window.Cookiebot.submitCustomConsent(true, true, true)",
        "reject": "() => window.Cookiebot.submitCustomConsent(false, false, false)",
        "withdraw": "() => window.Cookiebot.withdraw()",
    },
    "gcm": {
        action: "() => window.gtag('consent', 'update', "
        + json.dumps(dict.fromkeys(("ad_storage", "ad_user_data", "ad_personalization"), value))
        + ")"
        for action, value in (("accept", "granted"), ("reject", "denied"), ("withdraw", "denied"))
    },
}


@dataclass(frozen=True, slots=True)
class ConsentControls:
    """What a consent step can use: selectors per action and the tool (``auto``: detect)."""

    accept: str | None = None
    reject: str | None = None
    withdraw: str | None = None
    tool: str = "auto"

    def selector(self, action: str) -> str | None:
        value: str | None = getattr(self, action)
        return value


def parse_controls(arg: Any, where: str) -> ConsentControls:
    """``consent: "#accept"`` or ``consent: {accept, reject, withdraw, tool}``."""
    if isinstance(arg, str) and arg:
        return ConsentControls(accept=arg)
    if not isinstance(arg, dict):
        raise UsageError(f"{where}: consent needs a selector or {{accept, reject, withdraw, tool}}")
    unknown = set(arg) - {*ACTIONS, "tool", "selector"}
    if unknown:
        raise UsageError(
            f"{where}: consent does not know {', '.join(sorted(unknown))}; it takes accept, "
            "reject, withdraw and tool"
        )
    values: dict[str, str | None] = {}
    for key in ACTIONS:
        value = arg.get(key, arg.get("selector") if key == "accept" else None)
        if value is not None and (not isinstance(value, str) or not value):
            raise UsageError(f"{where}: consent {key} must be a CSS selector")
        values[key] = value
    tool = arg.get("tool", "auto")
    if tool not in TOOLS:
        raise UsageError(f"{where}: consent tool {tool!r} is not one of {', '.join(TOOLS)}")
    return ConsentControls(values["accept"], values["reject"], values["withdraw"], tool)


def detect_tool(page: Page) -> str:
    """``onetrust``, ``cookiebot``, ``gcm`` or ``selector`` (no known consent API)."""
    found = page.evaluate(_DETECT)
    return found if found in TOOLS else "selector"


def perform(page: Page, controls: ConsentControls, action: str, *, timeout_ms: float) -> str:
    """Accept, reject or withdraw consent on ``page``; returns what was done, for the report.

    Raises UsageError when neither the tool's API nor a selector can do ``action``."""
    tool = controls.tool
    if tool == "auto":
        if controls.selector(action) is None:  # a consent tool may load after the page did
            with contextlib.suppress(PlaywrightError):
                page.wait_for_function(
                    f"() => ({_DETECT})() !== 'selector'", timeout=min(timeout_ms, 3000)
                )
        tool = detect_tool(page)
    if tool in _API:
        page.evaluate(_API[tool][action])
        return f"{tool}: {_API[tool][action].removeprefix('() => window.')}"
    selector = controls.selector(action)
    if selector is None:
        raise UsageError(
            f"consent {action}: no consent tool API on the page (OneTrust, Cookiebot, Google "
            f"Consent Mode) and no {action} selector in the consent step"
        )
    page.click(selector, timeout=timeout_ms)
    page.wait_for_load_state("load")
    return f"selector: click {selector}"


# Where the pixel keeps what outlives a consent decision (the emulator's names, as ping.min.js
# caches alias data in localStorage; any key naming an alias or a hash counts too).
ALIAS_KEYS = ("alias_id", "user_hashed_email", "user_hashed_phone_number", "partner_user_id")


def is_alias_key(key: str) -> bool:
    lowered = key.lower()
    return key in ALIAS_KEYS or "alias" in lowered or "hashed" in lowered


def stored_names(cookies: list[dict[str, Any]], storage: dict[str, dict[str, str]]) -> list[str]:
    """``cookie __spdt``, ``localStorage user_hashed_email`` … (names only, never values)."""
    names = [f"cookie {c.get('name')}" for c in cookies]
    for area in ("local", "session"):
        names += [f"{area}Storage {key}" for key in sorted(storage.get(area, {}))]
    return names
