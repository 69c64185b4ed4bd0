"""A hit is recorded when it arrives, even while a ``delay`` fault holds its answer, and the
record says how the answer went: ``delayed``, or ``abandoned`` when the client gave up first.
Real HTTP against the real mock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import aiohttp
import pytest

from mock_endpoint import MockEndpoint
from mock_endpoint.client import client_session
from mock_endpoint.faults import Fault
from tests.test_reliability_faults import BATCH, INGEST, run


@pytest.fixture
def held() -> Iterator[MockEndpoint]:
    with MockEndpoint(faults=[Fault("pixels.spotify.com", "delay", 3)]) as mock:
        yield mock
        assert mock.internal_errors == []


def test_a_delayed_hit_is_recorded_on_arrival_and_answered_after_the_delay(
    held: MockEndpoint,
) -> None:
    async def send() -> tuple[float, float, str, int]:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        async with client_session(held.host, held.port) as http:
            post = asyncio.ensure_future(
                http.post(
                    INGEST, json=BATCH, headers={"X-Spdt-Session": held.session_credential("held")}
                )
            )
            found = await loop.run_in_executor(
                None, lambda: held.wait_for(lambda r: r.session == "held", 2.5)
            )
            recorded = time.monotonic() - started
            assert found is not None, "the hit was not recorded while its answer was held"
            assert not post.done()  # still waiting for the answer
            async with await post as response:
                answered = time.monotonic() - started
                return recorded, answered, found.answer, response.status

    recorded, answered, answer, status = run(send())
    assert answer == "delayed"
    assert status == 204
    assert recorded < 2.5 <= 3 <= answered + 0.1
    (record,) = held.records("held")
    assert [e.name for e in record.events] == ["lead"]
    assert record.to_json()["answer"] == "delayed"


def test_a_client_that_gives_up_leaves_an_abandoned_record(held: MockEndpoint) -> None:
    async def impatient() -> str:
        timeout = aiohttp.ClientTimeout(total=0.5)
        async with client_session(held.host, held.port) as http:
            try:
                async with http.post(
                    INGEST,
                    json=BATCH,
                    headers={"X-Spdt-Session": held.session_credential("gone")},
                    timeout=timeout,
                ) as r:
                    return f"answered {r.status}"
            except TimeoutError:
                return "timed out"

    assert run(impatient()) == "timed out"
    abandoned = held.wait_for(lambda r: r.session == "gone" and r.answer == "abandoned", 5)
    assert abandoned is not None, [r.to_json() for r in held.records("gone")]
    assert [e.name for e in abandoned.events] == ["lead"]  # the event did arrive
