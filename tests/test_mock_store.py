"""The record store on its own: the copy it makes of each record, its order, its cap."""

from __future__ import annotations

from dataclasses import fields, replace

from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from mock_endpoint.store import RecordStore


def _record(**changes: object) -> Record:
    base = Record(
        id=0,
        time=0.0,
        session="s1",
        host="pixels.spotify.com",
        method="POST",
        path="/v1/ingest",
        kind="ingest",
        status=204,
        query={"q": "1"},
        payload={"batch": []},
        page="https://shop.test/",
        user_agent="UA",
        events=(PixelEvent("lead", "0" * 32, {"type": "x"}),),
        findings=(ValidationFinding("UNKNOWN_EVENT", "warning", "m"),),
        answer="delayed",
        headers={"Referer": "https://shop.test/"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_stored_record_is_the_record_with_its_id_time_and_session_only() -> None:
    store = RecordStore()
    sent = _record()
    stored = store.add(sent)
    assert stored.id == 1
    assert stored.time > 0
    assert stored == replace(sent, id=1, time=stored.time)
    # every field is carried over (a field added to Record must be too)
    for f in fields(Record):
        if f.name not in ("id", "time"):
            assert getattr(stored, f.name) == getattr(sent, f.name), f.name


def test_the_cap_evicts_the_oldest_and_counts_them() -> None:
    store = RecordStore(max_records=3)
    for _ in range(5):
        store.add(_record())
    assert [r.id for r in store.records()] == [3, 4, 5]
    assert store.evicted == 2
    assert store.summary().to_json() == {"total": 3, "valid": 3, "invalid": 0, "evicted": 2}
