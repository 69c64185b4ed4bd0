"""The record store on its own: the copy it makes of each record, its order, its cap."""

from __future__ import annotations

import threading
from dataclasses import MISSING, fields, replace

from mock_endpoint.records import PixelEvent, Record, ValidationFinding
from mock_endpoint.session import Unclaimed
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
    # every field is carried over (a field added to Record must be too): the sample record
    # sets each field away from its default, so a new field fails here until it is set too
    for f in fields(Record):
        default = f.default_factory() if f.default_factory is not MISSING else f.default
        assert getattr(sent, f.name) != default, f"_record() leaves {f.name} at its default"
        if f.name not in ("id", "time"):
            assert getattr(stored, f.name) == getattr(sent, f.name), f.name


def test_the_cap_evicts_the_oldest_and_counts_them() -> None:
    store = RecordStore(max_records=3)
    for _ in range(5):
        store.add(_record())
    assert [r.id for r in store.records()] == [3, 4, 5]
    assert store.evicted == 2
    assert store.summary().to_json() == {"total": 3, "valid": 3, "invalid": 0, "evicted": 2}


# -- records validated when first read (add_unvalidated) ------------------------------------------
PIXEL = ValidationFinding("MISSING_VALUE", "warning", "purchase has no value")
FORGED = ValidationFinding("SESSION_TAG_FORGED", "error", "claimed session credential 'x'")


class CountingValidator:
    def __init__(self) -> None:
        self.seen: list[int] = []

    def __call__(self, record: Record) -> tuple[ValidationFinding, ...]:
        self.seen.append(record.id)
        return (PIXEL,)


def test_an_unvalidated_record_gets_its_findings_before_any_reader_sees_it() -> None:
    store = RecordStore()
    validate = CountingValidator()
    sent = _record(findings=(FORGED,))
    first = store.add_unvalidated(sent, validate)
    assert validate.seen == []  # nothing has read the store yet
    assert store.last_id() == first
    (stored,) = store.records()
    assert validate.seen == [first]
    # the validator's findings first, then the record's own (as the ingest endpoint had them)
    assert stored.findings == (PIXEL, FORGED)
    # validation changes the findings and nothing else
    assert stored == replace(sent, id=first, time=stored.time, findings=(PIXEL, FORGED))
    assert not stored.valid
    assert store.get(first) == stored
    assert store.records() == [stored]
    assert validate.seen == [first]  # validated once


def test_every_reader_sees_validated_records_in_id_order() -> None:
    store = RecordStore()
    validate = CountingValidator()
    a = store.add_unvalidated(_record(findings=()), validate)
    b = store.add(_record(findings=())).id  # validated already, stored after a
    c = store.add_unvalidated(_record(findings=()), validate)
    assert [r.id for r in store.records()] == [a, b, c]
    assert [r.findings for r in store.records()] == [(PIXEL,), (), (PIXEL,)]
    assert store.summary().to_json() == {"total": 3, "valid": 3, "invalid": 0, "evicted": 0}
    d = store.add_unvalidated(_record(findings=()), validate)
    found = store.wait_for(lambda r: PIXEL in r.findings and r.id > c, 0)
    assert found is not None
    assert found.id == d
    e = store.add_unvalidated(_record(findings=()), validate)
    marked = store.mark_answer(e, "abandoned")
    assert marked is not None
    assert (marked.answer, marked.findings) == ("abandoned", (PIXEL,))
    assert store.stats()["records"] == 5


def test_a_sink_or_a_listener_gets_the_record_validated_at_once() -> None:
    store = RecordStore()
    validate = CountingValidator()
    waiting = store.add_unvalidated(_record(findings=()), validate)
    written: list[Record] = []
    heard: list[Record] = []
    store.add_sink(written.append)
    unsubscribe = store.subscribe(heard.append)
    now = store.add_unvalidated(_record(findings=(FORGED,)), validate)
    assert validate.seen == [waiting, now]  # the backlog first, in id order
    assert [r.findings for r in written] == [(PIXEL, FORGED)]
    assert heard == written
    unsubscribe()


def test_records_evicted_before_anyone_read_them_are_never_validated() -> None:
    store = RecordStore(max_records=2)
    validate = CountingValidator()
    ids = [store.add_unvalidated(_record(findings=()), validate) for _ in range(5)]
    assert store.evicted == 3
    assert [r.id for r in store.records()] == ids[-2:]
    assert validate.seen == ids[-2:]


def test_a_reset_drops_unvalidated_records_too() -> None:
    store = RecordStore()
    validate = CountingValidator()
    store.add_unvalidated(_record(session="a", findings=()), validate)
    store.add_unvalidated(_record(session="b", findings=()), validate)
    assert store.reset("a") == 1
    assert [r.session for r in store.records()] == ["b"]
    store.add_unvalidated(_record(session="b", findings=()), validate)
    assert store.reset() == 2
    assert store.records() == []
    assert store.last_id() == 0


def test_a_validator_that_fails_is_counted_and_the_record_kept() -> None:
    store = RecordStore()

    def broken(record: Record) -> tuple[ValidationFinding, ...]:
        raise RuntimeError("a bug in a rule")

    record_id = store.add_unvalidated(_record(findings=(FORGED,)), broken)
    (stored,) = store.records()
    assert (stored.id, stored.findings) == (record_id, (FORGED,))
    assert store.validation_errors == [f"record {record_id}: RuntimeError: a bug in a rule"]


def test_readers_on_other_threads_never_see_a_record_without_its_findings() -> None:
    store = RecordStore(max_records=500)
    validate = CountingValidator()
    stop = threading.Event()
    bad: list[Record] = []

    def read() -> None:
        while not stop.is_set():
            bad.extend(r for r in store.records() if r.findings != (PIXEL,))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for t in readers:
        t.start()
    for _ in range(3000):
        store.add_unvalidated(_record(findings=()), validate)
    stop.set()
    for t in readers:
        t.join()
    assert bad == []
    assert all(r.findings == (PIXEL,) for r in store.records())
    assert len(validate.seen) == len(set(validate.seen))  # each record validated at most once


def test_unclaimed_hits_are_claimed_once_and_only_within_the_window() -> None:
    unclaimed = Unclaimed(window=60.0)
    unclaimed.add(7, ["uid-a", "click-a"], now=100.0)
    unclaimed.add(9, ["uid-b"], now=100.0)
    assert unclaimed.claim(["uid-a", "click-a"], now=159.0) == [7]  # both ids name one hit
    assert unclaimed.claim(["uid-a"], now=159.0) == []  # claimed once
    assert unclaimed.claim(["uid-b"], now=160.5) == []  # past the window
    # bounded: the newest hits of one identifier, however many arrive
    many = Unclaimed(per_identifier=3)
    for record_id in range(10):
        many.add(record_id, ["uid-c"], now=100.0)
    assert many.claim(["uid-c"], now=100.0) == [7, 8, 9]
