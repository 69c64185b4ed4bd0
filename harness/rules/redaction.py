"""Redaction: what keeps the auditor's messages and evidence short and free of raw identifiers
(docs/evidence.md §9). Click ids, device ids, emails and phone numbers are shown as their first
4 characters and an ellipsis; pixel keys as their first 6 and last 4 characters.

:class:`Redactor` is built from one timeline (whose click ids and device ids it hides wherever
they appear) and the auditor's :class:`~harness.rules.model.RuleConfig` (``redact=False`` shows
everything as it is).
"""

from __future__ import annotations

import json
import re
from functools import cached_property

from harness.capture.timeline import Timeline
from harness.rules.model import RuleConfig
from mock_endpoint.validation.values import personal_data
from mock_endpoint.vocab import CLICK_ID_PARAMS

# Parameter names whose values are identifiers, whatever they hold.
SENSITIVE_PARAMS = frozenset(
    {
        "email",
        "em",
        "phone",
        "phone_number",
        "ph",
        "id",
        "external_id",
        "hashed_email",
        "hashed_emails",
        "hashed_phone_number",
        "device_id",
        "uid",
        "click_id",
        *CLICK_ID_PARAMS,
    }
)
_QUERY_PAIR = re.compile(r"([?&#;])([^=&#;]+)=([^&#;]*)")


def redact(value: object, keep: int = 4) -> str:
    """``value`` as text, cut to its first ``keep`` characters and an ellipsis."""
    text = str(value)
    return text if len(text) <= keep else text[:keep] + "…"


def show_key(key: object) -> str:
    """A pixel key shortened to tell keys apart: ``0123ab…cdef``; placeholders stay whole."""
    if not isinstance(key, str):
        return repr(key)
    if len(key) == 32 and all(c in "0123456789abcdefABCDEF" for c in key):
        return f"{key[:6]}…{key[-4:]}"
    return repr(key if len(key) <= 40 else key[:39] + "…")


class Redactor:
    """Shows URLs, text and parameters of one timeline with its identifiers shortened."""

    def __init__(self, timeline: Timeline, config: RuleConfig) -> None:
        self.timeline = timeline
        self.config = config

    @cached_property
    def secrets(self) -> tuple[str, ...]:
        """The timeline's identifiers, longest first: the landing's click id and the click ids
        and device ids of the events that reached the ingest host."""
        values: set[str] = set()
        landing = self.timeline.landing
        if landing is not None and landing.click_id:
            values.add(landing.click_id)
        for record in self.timeline.records:
            if record.kind != "ingest" or record.host not in self.config.ingest_hosts:
                continue
            for event in record.events:
                for value in (event.click_id, event.device_id):
                    if value:
                        values.add(value)
        return tuple(sorted((v for v in values if len(v) > 4), key=len, reverse=True))

    def url(self, url: str | None) -> str:
        """A URL for display: click id parameter values shortened."""
        if not url:
            return ""
        text = str(url)
        if not self.config.redact:
            return text
        names = {p.lower() for p in self.config.click_id_params if p} | SENSITIVE_PARAMS

        def shorten(match: re.Match[str]) -> str:
            name, value = match.group(2), match.group(3)
            if name.lower() in names or "@" in value or "%40" in value.lower():
                return f"{match.group(1)}{name}={redact(value)}"
            return match.group(0)

        text = _QUERY_PAIR.sub(shorten, text)
        return self.text(text)

    def text(self, value: str) -> str:
        """``value`` with every identifier of the timeline shortened."""
        if not self.config.redact:
            return value
        for secret in self.secrets:
            value = value.replace(secret, redact(secret))
        return value

    def params(self, value: object) -> str:
        """Parameters as compact JSON, sensitive fields redacted, at most 160 characters."""
        text = json.dumps(self._redact_params(value), ensure_ascii=False, default=str)
        text = self.text(text)
        return text if len(text) <= 160 else text[:159] + "…"

    def _redact_params(self, value: object) -> object:
        if not self.config.redact:
            return value
        if isinstance(value, dict):
            return {
                k: (
                    redact(v)
                    if (str(k).lower() in SENSITIVE_PARAMS and isinstance(v, str | int))
                    or personal_data(str(k), v)
                    else self._redact_params(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self._redact_params(v) for v in value]
        if personal_data("", value):
            return redact(value)
        return value
