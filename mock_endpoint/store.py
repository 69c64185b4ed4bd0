"""The record store: bounded, thread-safe, and able to wake waiters the moment a hit lands."""

from __future__ import annotations

import gc
import itertools
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from mock_endpoint.records import Record, ValidationFinding
from mock_endpoint.session import DEFAULT_SESSION, SessionDirectory, Unclaimed

DEFAULT_MAX_RECORDS = 100_000
Predicate = Callable[[Record], bool]
Listener = Callable[[Record], None]
# A record's own findings, computed when it is first read (RecordStore.add_unvalidated).
Validator = Callable[[Record], tuple[ValidationFinding, ...]]
log = logging.getLogger("mock_endpoint.store")
# A process that only serves the mock (``spdt-harness mock``) moves what it holds out of the
# garbage collector's reach every so many records: records hold no reference cycles (refcounting
# frees them on eviction), and a full collection over 100,000 records would pause every request.
FREEZE_EVERY = 10_000
_freeze_gc = False


def serve_without_gc_pauses() -> None:
    """For a process whose only job is the mock: freeze what start-up allocated now, and again
    every :data:`FREEZE_EVERY` records (``gc.freeze``). Not for a test process that also runs
    other code: frozen objects that are part of a reference cycle are never collected."""
    global _freeze_gc  # noqa: PLW0603 - one switch per process
    _freeze_gc = True
    gc.collect()
    gc.freeze()


def _copied(
    r: Record,
    *,
    record_id: int | None = None,
    when: float | None = None,
    session: str | None = None,
    findings: tuple[ValidationFinding, ...] | None = None,
) -> Record:
    """``replace(r, ...)`` for the fields the store sets, without ``replace``'s look-up of
    every field by name (measured hot: each record is copied on arrival and on validation)."""
    if type(r) is not Record:
        changes: dict[str, Any] = {"id": record_id, "time": when, "session": session}
        changes["findings"] = findings
        return replace(r, **{k: v for k, v in changes.items() if v is not None})
    return Record(
        r.id if record_id is None else record_id,
        r.time if when is None else when,
        r.session if session is None else session,
        r.host,
        r.method,
        r.path,
        r.kind,
        r.status,
        r.query,
        r.payload,
        r.page,
        r.user_agent,
        r.events,
        r.findings if findings is None else findings,
        r.answer,
        r.headers,
    )


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    valid: int
    invalid: int
    evicted: int

    def to_json(self) -> dict[str, int]:
        return {
            "total": self.total,
            "valid": self.valid,
            "invalid": self.invalid,
            "evicted": self.evicted,
        }


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """Which records a caller wants; ``None`` fields match everything."""

    session: str | None = None
    host: str | None = None
    kind: str | None = None
    event: str | None = None
    has_findings: bool | None = None
    code: str | None = None
    after_id: int = 0

    def __call__(self, r: Record) -> bool:
        return (
            r.id > self.after_id
            and (self.session is None or r.session == self.session)
            and (self.host is None or r.host == self.host)
            and (self.kind is None or r.kind == self.kind)
            and (self.event is None or any(e.name == self.event for e in r.events))
            and (self.has_findings is None or bool(r.findings) == self.has_findings)
            and (self.code is None or any(f.code == self.code for f in r.findings))
        )


class RecordStore:
    """Keeps at most ``max_records`` records; the oldest go first and are counted as evicted.

    A record added with :meth:`add_unvalidated` waits in a backlog, its findings not yet
    computed, until something reads the store: every reading method (and every add while a
    sink or a listener is registered) first validates the backlog in id order, under the lock,
    so no reader on any thread ever sees a record without its findings.
    """

    def __init__(self, max_records: int = DEFAULT_MAX_RECORDS) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.max_records = max_records
        self._records: deque[Record] = deque()  # validated, in id order
        # newer than every record in _records, in id order: (record, its validator or None)
        self._backlog: deque[tuple[Record, Validator | None]] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._evicted = 0
        self._listeners: list[Listener] = []
        self._sinks: list[Callable[[Record], None]] = []
        self._directory = SessionDirectory()
        self._unclaimed = Unclaimed()
        # Exceptions a validator raised (each one is a bug; MockEndpoint.internal_errors)
        self.validation_errors: list[str] = []

    # -- writing -------------------------------------------------------------------------
    def add(self, record: Record, *, tagged: bool = True) -> Record:
        """Store ``record`` with the next id and time; returns the stored record.

        ``tagged`` False means the request named no session: it goes to the session that owns
        its device id or click id (see mock_endpoint.session), else stays in ``record.session``.
        Sinks (persistence) run in id order under the store's lock; listeners run after it.
        """
        return self._add(record, tagged, None)

    def add_unvalidated(self, record: Record, validate: Validator, *, tagged: bool = True) -> int:
        """Store ``record`` now and compute its findings later: ``validate(stored) +
        record.findings`` become the stored record's findings before any reader sees it (see
        the class). Returns the record's id. With a sink or a listener registered (``--record``,
        a long-poll, an event stream) it is validated at once, as :meth:`add` would store it."""
        return self._add(record, tagged, validate).id

    def _add(self, record: Record, tagged: bool, validate: Validator | None) -> Record:
        identifiers = [ident for e in record.events for ident in (e.device_id, e.click_id) if ident]
        with self._lock:
            now = time.time()  # under the lock: record times follow record ids
            session = self._session(record, tagged, identifiers, now)
            stored = _copied(record, record_id=next(self._ids), when=now, session=session)
            if not tagged and identifiers and session == DEFAULT_SESSION:
                self._unclaimed.add(stored.id, identifiers, now)
            if not (self._sinks or self._listeners):
                if validate is None and not self._backlog:
                    self._records.append(stored)
                else:
                    self._backlog.append((stored, validate))
                self._evict()
                self._lock.notify_all()
                listeners: Iterable[Listener] = ()
            else:
                self._drain()
                stored = self._validated(stored, validate)
                self._records.append(stored)
                self._evict()
                for sink in self._sinks:
                    try:
                        sink(stored)
                    except Exception:  # a full disk must not stop recording in memory
                        log.exception("record sink %r failed for record %d", sink, stored.id)
                listeners = list(self._listeners)
                self._lock.notify_all()
        if _freeze_gc and stored.id % FREEZE_EVERY == 0:
            gc.freeze()
        for listener in listeners:
            try:
                listener(stored)
            except Exception:
                log.exception("record listener %r failed for record %d", listener, stored.id)
        return stored

    def _session(self, record: Record, tagged: bool, identifiers: list[str], now: float) -> str:
        """The session a new hit is filed in (mock_endpoint/session.py); the lock is held."""
        if not tagged:
            return self._directory.owner(identifiers) or record.session
        if record.session != DEFAULT_SESSION:
            self._directory.learn(record.session, identifiers)
            self._claim(record.session, identifiers, now)
        return record.session

    def _claim(self, session: str, identifiers: list[str], now: float) -> None:
        """File again into ``session`` the untagged hits in ``default`` that carry an identifier
        only ``session`` has shown (mock_endpoint/session.py, rule 4); the lock is held. Like
        ``mark_answer``, a change after storing: a sink has already written the hit as it was."""
        if not self._unclaimed:  # the usual case: nothing waits (kept cheap: every tagged hit)
            return
        owned = [i for i in identifiers if self._directory.owner([i]) == session]
        ids = set(self._unclaimed.claim(owned, now)) if owned else set()
        if not ids:
            return
        oldest = min(ids)
        # both queues are in id order: walk back from the newest to the oldest claimed hit
        for i in range(len(self._backlog) - 1, -1, -1):
            r, validate = self._backlog[i]
            if r.id < oldest:
                return  # every _records id is lower still
            if r.id in ids and r.session == DEFAULT_SESSION:
                self._backlog[i] = (_copied(r, session=session), validate)
        for i in range(len(self._records) - 1, -1, -1):
            r = self._records[i]
            if r.id < oldest:
                return
            if r.id in ids and r.session == DEFAULT_SESSION:
                self._records[i] = _copied(r, session=session)

    def _evict(self) -> None:
        """Drop the oldest beyond the cap (a backlog record evicted unread is never validated)."""
        while len(self._records) + len(self._backlog) > self.max_records:
            if self._records:
                self._records.popleft()
            else:
                self._backlog.popleft()
            self._evicted += 1

    def _drain(self) -> None:
        """Validate the backlog into the records, in id order (the lock is held)."""
        backlog = self._backlog
        while backlog:
            stored, validate = backlog.popleft()
            self._records.append(self._validated(stored, validate))

    def _validated(self, stored: Record, validate: Validator | None) -> Record:
        if validate is None:
            return stored
        try:
            return _copied(stored, findings=validate(stored) + stored.findings)
        except Exception as exc:  # a bug in a rule: kept, counted, and the record still stored
            log.exception("validating record %d failed", stored.id)
            self.validation_errors.append(f"record {stored.id}: {type(exc).__name__}: {exc}")
            return stored

    def add_sink(self, sink: Callable[[Record], None]) -> None:
        """Persist every record as it arrives (``--record FILE``)."""
        with self._lock:
            self._sinks.append(sink)

    def remove_sink(self, sink: Callable[[Record], None]) -> None:
        with self._lock:
            if sink in self._sinks:
                self._sinks.remove(sink)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for each new record; returns the unsubscribe function.

        Listeners run on the thread that added the record (the server's event loop): keep them
        short and non-blocking, e.g. ``loop.call_soon_threadsafe(...)``.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def reset(self, session: str | None = None) -> int:
        """Forget every record (or one session's); returns how many were dropped.

        A full reset also zeroes the eviction counter and forgets device-id ownership; record
        ids keep increasing, so ``after_id`` cursors stay valid.
        """
        with self._lock:
            before = len(self._records) + len(self._backlog)
            if session is None:
                self._records.clear()
                self._backlog.clear()
                self._evicted = 0
                self._directory.clear()
                self._unclaimed.clear()
            else:
                self._records = deque(r for r in self._records if r.session != session)
                self._backlog = deque(b for b in self._backlog if b[0].session != session)
            return before - len(self._records) - len(self._backlog)

    # -- reading -------------------------------------------------------------------------
    def records(self, predicate: Predicate | None = None) -> list[Record]:
        with self._lock:
            self._drain()
            snapshot: Iterable[Record] = list(self._records)
        return [r for r in snapshot if predicate is None or predicate(r)]

    def mark_answer(self, record_id: int, answer: str) -> Record | None:
        """Note how a held answer went (``delayed``, ``abandoned``) on a stored record: the
        one change a record sees after it is stored (sinks have already written it)."""
        with self._lock:
            self._drain()
            for i in range(len(self._records) - 1, -1, -1):
                if self._records[i].id == record_id:
                    self._records[i] = replace(self._records[i], answer=answer)
                    self._lock.notify_all()
                    return self._records[i]
                if self._records[i].id < record_id:
                    break
        return None

    def get(self, record_id: int) -> Record | None:
        with self._lock:
            self._drain()
            for r in reversed(self._records):
                if r.id == record_id:
                    return r
                if r.id < record_id:
                    return None
        return None

    def summary(self, session: str | None = None) -> Summary:
        records = self.records(None if session is None else (lambda r: r.session == session))
        valid = sum(1 for r in records if r.valid)
        return Summary(len(records), valid, len(records) - valid, self.evicted)

    @property
    def evicted(self) -> int:
        with self._lock:
            return self._evicted

    def sessions(self) -> dict[str, int]:
        """Record count per session."""
        return dict(Counter(r.session for r in self.records()))

    def wait_for(self, predicate: Predicate, timeout: float, *, after_id: int = 0) -> Record | None:
        """The first record (with id > ``after_id``) matching, as soon as it exists, or None.

        Blocks the calling thread: never call it on the server's event loop (the control API's
        long-poll uses :meth:`subscribe` instead).
        """
        deadline = time.monotonic() + timeout
        checked = after_id  # records up to this id have been looked at already
        with self._lock:
            while True:
                self._drain()
                fresh: list[Record] = []
                for record in reversed(self._records):  # only what arrived since the last look
                    if record.id <= checked:
                        break
                    fresh.append(record)
                for record in reversed(fresh):
                    if predicate(record):
                        return record
                if fresh:
                    checked = fresh[0].id
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._lock.wait(remaining)

    def last_id(self) -> int:
        with self._lock:
            if self._backlog:
                return self._backlog[-1][0].id
            return self._records[-1].id if self._records else 0

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "records": len(self._records) + len(self._backlog),
                "max_records": self.max_records,
            }
