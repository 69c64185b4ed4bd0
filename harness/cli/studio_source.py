"""Where the studio commands get their records and studio state: a running mock's control API
(``--mock URL``, loopback only) or the mock's saved record file (``--record FILE``) plus a
studio file (``--campaign FILE``)."""

from __future__ import annotations

import argparse
import ipaddress
import json
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.errors import MockEndpointError, UsageError
from mock_endpoint.persist import load_records
from mock_endpoint.records import Record
from mock_endpoint.routes import CONTROL_HEADER
from mock_endpoint.studio.campaigns import (
    Campaign,
    Exposure,
    StudioError,
    load_studio_file,
    parse_time,
)
from mock_endpoint.studio.clock import SimClock
from mock_endpoint.studio.state import StudioState, from_file_data

PAGE = 10_000
TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Source:
    records: list[Record]
    state: StudioState
    label: str
    at: str | None = None

    def now(self) -> float:
        """The simulated time to evaluate at (``--at``); UsageError for a bad value."""
        clock = self.state.clock
        if self.at is None:
            return clock.now()
        if self.at == "last":
            return max((clock.sim(r.time) for r in self.records), default=clock.now())
        try:
            return parse_time(self.at, "--at")
        except StudioError as exc:
            raise UsageError(str(exc)) from exc


def add_source_options(parser: argparse.ArgumentParser, *, campaign_required: bool) -> None:
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--mock",
        metavar="URL",
        help="a running mock's control API, as `spdt-harness mock` prints it "
        "(https://127.0.0.1:PORT/__spdt/?token=T; loopback only)",
    )
    where.add_argument("--record", metavar="FILE", help="the mock's --record file (JSON lines)")
    parser.add_argument(
        "--campaign",
        metavar="FILE",
        required=campaign_required,
        help="studio file (YAML/JSON): campaigns, exposures, clock",
    )
    parser.add_argument("--session", metavar="ID", help="only this recorder session's records")
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="evaluate at this simulated time: ISO 8601, or 'last' (the last record's time); "
        "default: now on the simulated clock",
    )


class _Control:
    """GET/JSON against a mock's control API on loopback (its certificate is its own: the
    connection is not verified, which is why only loopback addresses are accepted)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url if "://" in url else f"https://{url}")
        host = parts.hostname or ""
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if parts.scheme not in ("https", "http") or not loopback or parts.port is None:
            raise UsageError(f"--mock {url!r}: expected https://127.0.0.1:PORT (loopback only)")
        self.base = f"{parts.scheme}://{host}:{parts.port}/__spdt"
        self.token = dict(parse_qsl(parts.query)).get("token")
        self.context = ssl.create_default_context()
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_NONE

    def get(self, path: str, **query: Any) -> Any:
        url = f"{self.base}/{path}" + (f"?{urlencode(query)}" if query else "")
        request = urllib.request.Request(url)  # noqa: S310 - https/http on loopback only
        if self.token:
            request.add_header(CONTROL_HEADER, self.token)
        try:
            opened = urllib.request.urlopen(  # noqa: S310 - https/http on loopback only
                request, timeout=TIMEOUT, context=self.context
            )
            with opened as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            raise MockEndpointError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MockEndpointError(f"cannot reach the mock at {url}: {reason}") from exc

    def records(self, session: str | None) -> list[Record]:
        out: list[Record] = []
        after = 0
        while True:
            query: dict[str, Any] = {"limit": PAGE, "after_id": after}
            if session:
                query["session"] = session
            page = self.get("records", **query)
            out.extend(Record.from_json(r) for r in page["records"])
            if len(page["records"]) < PAGE:
                return out
            after = int(page["next_after_id"])


def _merge(state: StudioState, data: dict[str, Any]) -> None:
    for campaign in data.get("campaigns", []):
        state.add_campaign(Campaign.from_json(campaign, "mock campaign"))
    for exposure in data.get("exposures", []):
        state.add_exposure(Exposure.from_json(exposure, "mock exposure"))
    if data.get("clock"):
        state.set_clock(SimClock.from_json(data["clock"]))


def load_source(args: argparse.Namespace) -> Source:
    """Records and studio state per the command line; UsageError for a bad file."""
    try:
        state = from_file_data(load_studio_file(args.campaign)) if args.campaign else StudioState()
    except StudioError as exc:
        raise UsageError(str(exc)) from exc
    if args.mock:
        control = _Control(args.mock)
        records = control.records(args.session)
        try:
            _merge(state, control.get("studio/state"))
        except (StudioError, KeyError, TypeError, ValueError) as exc:
            raise MockEndpointError(f"the mock's studio state is not readable: {exc}") from exc
        return Source(records, state, control.base, args.at)
    records = load_records(args.record)
    if args.session:
        records = [r for r in records if r.session == args.session]
    return Source(records, state, args.record, args.at)
