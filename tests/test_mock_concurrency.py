"""Many concurrent clients, many sessions: every hit recorded once, in its own session."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict

from mock_endpoint import MockEndpoint
from mock_endpoint.client import client_session
from tests.asyncio_thread import run_async

CLIENTS = 32
SESSIONS = 40
HITS = 4000
KEY = "0123456789abcdef0123456789abcdef"


async def _client(
    mock: MockEndpoint, jobs: list[tuple[int, str]], sent: dict[str, set[int]]
) -> None:
    async with client_session(mock.host, mock.port, limit=4) as http:
        for seq, session in jobs:
            style = seq % 3
            if style == 0:  # fetch-like JSON, session header
                url = "https://pixels.spotify.com/v1/ingest"
                body = {
                    "batch": [
                        {
                            "pid": KEY,
                            "events": [
                                {
                                    "action": "view",
                                    "body": {
                                        "url": f"https://shop.test/{session}/{seq}",
                                        "seq": seq,
                                        "tag": session,
                                    },
                                }
                            ],
                        }
                    ]
                }
                async with http.post(url, json=body, headers=mock.session_headers(session)) as r:
                    assert r.status == 204, await r.text()
            elif style == 1:  # beacon-like text/plain, session in the User-Agent
                url = "https://pixels.spotify.com/v1/ingest"
                data = json.dumps(
                    {
                        "batch": [
                            {
                                "pid": KEY,
                                "events": [
                                    {"action": "lead", "body": {"seq": seq, "tag": session}}
                                ],
                            }
                        ]
                    }
                )
                headers = {
                    "Content-Type": "text/plain",
                    "User-Agent": f"UA spdt-session/{mock.session_credential(session)}",
                }
                async with http.post(url, data=data, headers=headers) as r:
                    assert r.status == 204, await r.text()
            else:  # image pixel
                url = f"https://img.byspotify.com/?key={KEY}&a=lead&seq={seq}&tag={session}"
                async with http.get(url, headers=mock.session_headers(session)) as r:
                    assert r.status == 200
                    await r.read()
            sent[session].add(seq)


async def _run(mock: MockEndpoint) -> dict[str, set[int]]:
    rng = random.Random(7)
    sessions = [f"conc-{i}" for i in range(SESSIONS)]
    jobs = [(seq, rng.choice(sessions)) for seq in range(HITS)]
    sent: dict[str, set[int]] = defaultdict(set)
    await asyncio.gather(*(_client(mock, jobs[i::CLIENTS], sent) for i in range(CLIENTS)))
    return sent


def test_thousands_of_concurrent_hits_are_all_recorded_in_their_own_session() -> None:
    with MockEndpoint() as mock:
        sent = run_async(_run(mock))
        records = mock.records()
        assert sum(len(s) for s in sent.values()) == HITS
        assert len(records) == HITS
        assert mock.summary().to_json() == {
            "total": HITS,
            "valid": HITS,
            "invalid": 0,
            "evicted": 0,
        }
        assert len({r.id for r in records}) == HITS
        seen: dict[str, set[int]] = defaultdict(set)
        for r in records:
            (event,) = r.events
            assert event.params["tag"] == r.session, f"record {r.id} leaked into {r.session}"
            seen[r.session].add(int(event.params["seq"]))
        assert seen == sent
        for session, seqs in sent.items():
            assert len(mock.records(session)) == len(seqs)
        assert mock.internal_errors == []
