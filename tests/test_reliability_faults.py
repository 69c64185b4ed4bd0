"""Faults at the mock (`--fault HOST:KIND[:ARG]`, `MockEndpoint(faults=)`), via real HTTP."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import aiohttp
import pytest

from harness.errors import UsageError
from mock_endpoint import MockEndpoint
from mock_endpoint.client import MockClient, client_session
from mock_endpoint.faults import Fault, parse_fault
from tests.asyncio_thread import run_async
from tests.cli import spdt
from tests.mock_cli import running_mock

T = TypeVar("T")
KEY = "0123456789abcdef0123456789abcdef"
INGEST = "https://pixels.spotify.com/v1/ingest"
BATCH = {
    "batch": [{"pid": KEY, "events": [{"action": "lead", "body": {"url": "https://s.test/"}}]}]
}


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro``, then give aborted TLS transports a moment to close before the loop does
    (else asyncio warns about an unclosed transport; that is teardown, not a wait for a hit)."""

    async def main() -> T:
        try:
            return await coro
        finally:
            await asyncio.sleep(0.25)

    # on its own loop thread: Playwright's sync API may keep the main thread's loop busy
    return run_async(main())


@pytest.fixture(scope="module")
def mock() -> Iterator[MockEndpoint]:
    with MockEndpoint() as endpoint:
        yield endpoint


@pytest.fixture
def faulty(mock: MockEndpoint) -> Iterator[MockEndpoint]:
    yield mock
    mock.set_faults(())
    mock.reset()
    assert mock.internal_errors == []


def test_5xx_answers_the_status_records_a_fault_and_no_event(faulty: MockEndpoint) -> None:
    faulty.set_faults(["pixels.spotify.com:5xx:502"])
    with MockClient(faulty) as client:
        answer = client.post(INGEST, json=BATCH, headers={"X-Spdt-Session": "f5", "Origin": "x"})
        assert answer.status == 502
        assert answer.json()["code"] == "FAULT_INJECTED"
        assert answer.headers["Access-Control-Allow-Origin"] == "x"
        # Other hosts and the control API are untouched.
        assert client.get(f"https://img.byspotify.com/?key={KEY}&a=lead").status == 200
        assert client.control("GET", "summary").status == 200
    (record,) = faulty.records("f5")
    assert (record.kind, record.status, record.events) == ("fault", 502, ())
    assert record.payload == {"fault": "5xx", "arg": 502, "would_be": "ingest"}
    assert faulty.events("f5") == []
    assert faulty.fault_counts["5xx"] >= 1


def test_reset_closes_the_connection_without_an_answer(faulty: MockEndpoint) -> None:
    faulty.set_faults(["*:reset"])

    async def attempt() -> str:
        async with client_session(faulty.host, faulty.port) as http:
            try:
                async with http.post(INGEST, json=BATCH, headers=faulty.session_headers("fr")) as r:
                    return f"answered {r.status}"
            except aiohttp.ClientError as exc:
                return type(exc).__name__

    outcome = run(attempt())
    assert not outcome.startswith("answered"), outcome
    records = faulty.records("fr")
    assert records
    assert {(r.kind, r.status, r.payload["would_be"]) for r in records} == {("fault", 0, "ingest")}


def test_delay_holds_the_answer_then_records_the_hit(faulty: MockEndpoint) -> None:
    faulty.set_faults([Fault("pixels.spotify.com", "delay", 30)])

    async def impatient() -> str:
        timeout = aiohttp.ClientTimeout(total=0.5)
        async with client_session(faulty.host, faulty.port) as http:
            try:
                async with http.post(INGEST, json=BATCH, timeout=timeout) as r:
                    return f"answered {r.status}"
            except TimeoutError:
                return "timed out"

    assert run(impatient()) == "timed out"  # a 30 s delay against a 0.5 s client
    faulty.set_faults(["pixels.spotify.com:delay:0"])
    with MockClient(faulty) as client:
        assert client.post(INGEST, json=BATCH, headers={"X-Spdt-Session": "fd"}).status == 204
    assert [e.name for e in faulty.events("fd")] == ["lead"]
    assert faulty.fault_counts["delay"] == 2


def test_slow_body_sends_headers_then_trickles_the_body(faulty: MockEndpoint) -> None:
    faulty.set_faults(["pixel.byspotify.com:slow-body:30"])

    async def read_head_then_body() -> tuple[int, str]:
        async with client_session(faulty.host, faulty.port) as http:
            timeout = aiohttp.ClientTimeout(sock_read=0.5)
            async with http.get("https://pixel.byspotify.com/ping.min.js", timeout=timeout) as r:
                try:
                    await r.read()
                except TimeoutError:
                    return r.status, "body timed out"
                return r.status, "body complete"

    assert run(read_head_then_body()) == (200, "body timed out")
    faulty.set_faults(["pixel.byspotify.com:slow-body:0.2"])
    with MockClient(faulty) as client:
        quick = client.get("https://pixel.byspotify.com/ping.min.js")
    faulty.set_faults(())
    with MockClient(faulty) as client:
        plain = client.get("https://pixel.byspotify.com/ping.min.js")
    assert quick.status == plain.status == 200
    assert quick.body == plain.body
    assert quick.headers["Content-Type"] == plain.headers["Content-Type"]


def test_a_host_specific_fault_wins_over_star(faulty: MockEndpoint) -> None:
    faulty.set_faults(["*:5xx:500", "img.byspotify.com:5xx:599"])
    with MockClient(faulty) as client:
        assert client.get(f"https://img.byspotify.com/?key={KEY}&a=lead").status == 599
        assert client.post(INGEST, json=BATCH).status == 500
    assert faulty.faults == (Fault("*", "5xx", 500), Fault("img.byspotify.com", "5xx", 599))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("pixels.spotify.com", "expected HOST:KIND[:ARG]"),
        ("pixels.spotify.com:5xx:503:1", "expected HOST:KIND[:ARG]"),
        ("pixels.spotify.com::1", "expected HOST:KIND[:ARG]"),
        ("pixel.spotify.com:reset", "did you mean 'pixels.spotify.com'?"),
        ("example.com:reset", "is not a mock host"),
        ("pixels.spotify.com:dealy", "did you mean 'delay'?"),
        ("pixels.spotify.com:5xx:404", "must be an integer 500..599, got 404"),
        ("pixels.spotify.com:5xx:502.5", "must be an integer 500..599"),
        ("pixels.spotify.com:delay:-1", "seconds must be a number 0..600, got -1"),
        ("pixels.spotify.com:delay:nan", "seconds must be a number"),
        ("pixels.spotify.com:delay:soon", "argument 'soon' is not a number"),
        ("pixels.spotify.com:reset:1", "'reset' takes no argument"),
    ],
)
def test_bad_fault_specs_are_usage_errors(spec: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse_fault(spec)


def test_conflicting_faults_are_refused() -> None:
    with pytest.raises(
        UsageError, match=re.escape("5xx and reset both apply to pixels.spotify.com")
    ):
        MockEndpoint(faults=["*:reset", "pixels.spotify.com:5xx"])
    with pytest.raises(UsageError, match="already has a delay"):
        MockEndpoint(faults=["*:delay:1", "*:delay:2"])


def test_specs_round_trip() -> None:
    for spec in ("*:reset", "pixels.spotify.com:5xx:503", "img.byspotify.com:delay:0.25"):
        assert parse_fault(spec).spec == spec
    assert parse_fault("CAPI.spotify.com:5XX").spec == "capi.spotify.com:5xx:503"
    assert parse_fault("*:slow-body").arg == 2.0


def _mock_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return spdt("mock", "--port", "0", *args, env=env)


def test_cli_bad_fault_exits_2_with_one_line(cli_env: dict[str, str]) -> None:
    done = _mock_cli("--fault", "pixels.spotify.com:explode", env=cli_env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip() == (
        "UsageError: fault kind 'explode' is not one of delay, 5xx, reset, slow-body "
        "(HOST:KIND[:ARG] with KIND delay[:SECONDS], 5xx[:STATUS], reset or slow-body[:SECONDS])"
    )


def test_cli_fault_is_applied(cli_env: dict[str, str]) -> None:
    with running_mock("--fault", "pixels.spotify.com:5xx:503", env=cli_env) as mock:
        assert "fault: pixels.spotify.com:5xx:503" in mock.banner
        with mock.client() as client:
            assert client.post(INGEST, json=BATCH).status == 503
            assert client.get(f"https://img.byspotify.com/?key={KEY}&a=lead").status == 200
    assert mock.returncode == 0, mock.stderr
