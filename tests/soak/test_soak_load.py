"""Load: 50 concurrent clients (in 4 processes) post 100,000 mixed valid and invalid hits.
Nothing lost, nothing recorded twice, no 5xx, every hit in its own session."""

from __future__ import annotations

import multiprocessing
import random
from collections import Counter, defaultdict

from mock_endpoint import MockEndpoint
from mock_endpoint.tls import ca_pem
from tests.soak.loadclient import EXPECTED_STATUS, KINDS, Hit, marker, run_clients

CLIENTS = 50
PROCESSES = 4
HITS = 100_000
SESSIONS = 50


def _plan(total: int, seed: int) -> list[list[Hit]]:
    rng = random.Random(seed)
    sessions = [f"soak{i}" for i in range(SESSIONS)]
    clients: list[list[Hit]] = [[] for _ in range(CLIENTS)]
    for seq in range(total):
        clients[seq % CLIENTS].append(Hit(seq, rng.choice(sessions), rng.choice(KINDS)))
    return clients


def _load(mock: MockEndpoint, clients: list[list[Hit]]) -> list[dict[str, object]]:
    pem = ca_pem().decode()
    sessions = {hit.session for hits in clients for hit in hits}
    credentials = {s: mock.session_credential(s) for s in sessions}
    parts = [(mock.port, pem, clients[i::PROCESSES], credentials) for i in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        return pool.map(run_clients, parts, chunksize=1)


def test_100k_mixed_hits_from_50_clients_nothing_lost_no_5xx_sessions_isolated() -> None:
    clients = _plan(HITS, seed=7)
    hits = {marker(h): h for c in clients for h in c}
    with MockEndpoint(tokens=["soak-token"], max_records=HITS) as mock:
        results = _load(mock, clients)
        failures = [f for r in results for f in r["failures"]]  # type: ignore[attr-defined]
        assert failures == []
        statuses: dict[str, Counter[int]] = defaultdict(Counter)
        for r in results:
            for kind, counts in r["statuses"].items():  # type: ignore[attr-defined]
                statuses[kind].update(counts)
        for kind, counts in statuses.items():
            assert set(counts) == {EXPECTED_STATUS[kind]}, (kind, counts)
        assert sum(sum(c.values()) for c in statuses.values()) == HITS

        records = mock.records()
        assert mock.summary().total == HITS
        assert mock.summary().evicted == 0
        seen: Counter[str] = Counter()
        for record in records:
            m = record.query.get("m")
            assert m in hits, f"record {record.id} carries no marker: {record.path} {record.query}"
            seen[m] += 1
            assert record.session == hits[m].session, f"{m} leaked into {record.session}"
        assert len(seen) == HITS
        assert max(seen.values()) == 1
        invalid = sum(1 for r in records if not r.valid)
        assert 0 < invalid < HITS
        assert mock.internal_errors == []


def test_eviction_under_load_keeps_counts_exact() -> None:
    total = 30_000
    clients = _plan(total, seed=11)
    with MockEndpoint(tokens=["soak-token"], max_records=5_000) as mock:
        results = _load(mock, clients)
        assert [f for r in results for f in r["failures"]] == []  # type: ignore[attr-defined]
        summary = mock.summary()
        assert summary.total == 5_000
        assert summary.evicted == total - 5_000
        ids = [r.id for r in mock.records()]
        assert ids == sorted(ids)
        assert ids[-1] - ids[0] == 4_999  # the newest 5,000 are kept, none in between lost
        assert mock.internal_errors == []
