"""Faults switched on and off while 50 clients load the mock: the server never fails
internally, every answer is either the hit's own or the fault's, no hit is recorded twice, and
once the faults are gone every hit is recorded exactly once again."""

from __future__ import annotations

import itertools
import threading
from collections import Counter

from mock_endpoint import MockEndpoint
from tests.soak.loadclient import EXPECTED_STATUS
from tests.soak.test_soak_load import _load, _plan

PLANS = (
    ("*:5xx:503",),
    ("pixels.spotify.com:reset",),
    ("*:delay:0.02",),
    ("img.byspotify.com:slow-body:0.05", "capi.spotify.com:5xx:500"),
    (),
)


def test_faults_toggled_under_load() -> None:
    clients = _plan(20_000, seed=23)
    stop = threading.Event()
    with MockEndpoint(tokens=["soak-token"], max_records=100_000) as mock:

        def toggle() -> None:
            for plan in itertools.cycle(PLANS):
                mock.set_faults(plan)
                if stop.wait(0.25):
                    return

        switcher = threading.Thread(target=toggle, daemon=True)
        switcher.start()
        try:
            results = _load(mock, clients)
        finally:
            stop.set()
            switcher.join(10)
            mock.set_faults(())
        for r in results:
            for kind, counts in r["statuses"].items():  # type: ignore[attr-defined]
                allowed = {EXPECTED_STATUS[kind], 500, 503}
                assert set(counts) <= allowed, (kind, counts)
        failures = [f for r in results for f in r["failures"]]  # type: ignore[attr-defined]
        # Only a reset fault may cut a connection.
        assert all("Disconnected" in f or "Connection" in f or "reset" in f for f in failures), (
            failures[:5]
        )
        per_marker = Counter(r.query.get("m") for r in mock.records() if r.kind != "fault")
        assert max(per_marker.values()) == 1
        assert mock.fault_counts.keys() >= {"5xx", "reset", "delay", "slow-body"}
        assert mock.internal_errors == []

        # Faults gone: every hit recorded exactly once again.
        mock.reset()
        calm = _plan(5_000, seed=29)
        results = _load(mock, calm)
        assert [f for r in results for f in r["failures"]] == []  # type: ignore[attr-defined]
        assert mock.summary().total == 5_000
        assert {r.kind for r in mock.records()}.isdisjoint({"fault"})
        assert len({r.query.get("m") for r in mock.records()}) == 5_000
        assert mock.internal_errors == []
