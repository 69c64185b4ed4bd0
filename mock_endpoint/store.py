"""The record store: bounded, thread-safe, and able to wake waiters the moment a hit lands."""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from mock_endpoint.records import Record
from mock_endpoint.session import DEFAULT_SESSION, SessionDirectory

DEFAULT_MAX_RECORDS = 100_000
Predicate = Callable[[Record], bool]
Listener = Callable[[Record], None]


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


class RecordStore:
    """Keeps at most ``max_records`` records; the oldest go first and are counted as evicted."""

    def __init__(self, max_records: int = DEFAULT_MAX_RECORDS) -> None:
        if max_records < 1:
            raise ValueError("max_records must be at least 1")
        self.max_records = max_records
        self._records: deque[Record] = deque()
        self._ids = itertools.count(1)
        self._lock = threading.Condition()
        self._evicted = 0
        self._listeners: list[Listener] = []
        self._sinks: list[Callable[[Record], None]] = []
        self._directory = SessionDirectory()

    # -- writing -------------------------------------------------------------------------
    def add(self, record: Record, *, tagged: bool = True) -> Record:
        """Store ``record`` with the next id and time; returns the stored record.

        ``tagged`` False means the request named no session: it goes to the session that owns
        its device id or click id (see mock_endpoint.session), else stays in ``record.session``.
        """
        identifiers = [ident for e in record.events for ident in (e.device_id, e.click_id) if ident]
        with self._lock:
            if tagged:
                if record.session != DEFAULT_SESSION:
                    self._directory.learn(record.session, identifiers)
            else:
                owner = self._directory.owner(identifiers)
                if owner is not None:
                    record = replace(record, session=owner)
            stored = replace(record, id=next(self._ids), time=time.time())
            self._records.append(stored)
            while len(self._records) > self.max_records:
                self._records.popleft()
                self._evicted += 1
            listeners = list(self._listeners)
            sinks = list(self._sinks)
            self._lock.notify_all()
        for sink in sinks:
            sink(stored)
        for listener in listeners:
            listener(stored)
        return stored

    def add_sink(self, sink: Callable[[Record], None]) -> None:
        """Persist every record as it arrives (``--record FILE``)."""
        with self._lock:
            self._sinks.append(sink)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for each new record; returns the unsubscribe function."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def reset(self, session: str | None = None) -> int:
        """Forget every record (or one session's); returns how many were dropped."""
        with self._lock:
            before = len(self._records)
            if session is None:
                self._records.clear()
                self._evicted = 0
                self._directory.clear()
            else:
                self._records = deque(r for r in self._records if r.session != session)
            return before - len(self._records)

    # -- reading -------------------------------------------------------------------------
    def records(self, predicate: Predicate | None = None) -> list[Record]:
        with self._lock:
            snapshot: Iterable[Record] = list(self._records)
        return [r for r in snapshot if predicate is None or predicate(r)]

    def summary(self, session: str | None = None) -> Summary:
        records = self.records(None if session is None else (lambda r: r.session == session))
        valid = sum(1 for r in records if r.valid)
        return Summary(len(records), valid, len(records) - valid, self._evicted)

    def wait_for(self, predicate: Predicate, timeout: float, *, after_id: int = 0) -> Record | None:
        """The first record (with id > ``after_id``) matching, as soon as it exists, or None."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for record in self._records:
                    if record.id > after_id and predicate(record):
                        return record
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._lock.wait(remaining)

    def last_id(self) -> int:
        with self._lock:
            return self._records[-1].id if self._records else 0

    def stats(self) -> dict[str, Any]:
        return {"records": len(self._records), "max_records": self.max_records}
