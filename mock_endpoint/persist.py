"""``--record FILE``: every record as one strict JSON line (NaN/Infinity written as strings),
flushed as it arrives; ``load_records`` reads
them back as :class:`Record` values so that a run can be inspected afterwards."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO

from mock_endpoint.endpoints.common import jsonable
from mock_endpoint.errors import MockEndpointError
from mock_endpoint.records import Record


class JsonLinesSink:
    """Appends each record to ``path`` (one JSON object a line) and flushes it."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._file: IO[str] | None = self.path.open("a", encoding="utf-8")
        except OSError as exc:
            raise MockEndpointError(
                f"cannot write records to {self.path}: {exc.strerror or exc}"
            ) from exc
        self._lock = threading.Lock()
        self.written = 0

    def __call__(self, record: Record) -> None:
        line = json.dumps(
            jsonable(record.to_json()), ensure_ascii=False, separators=(",", ":"), default=str
        )
        with self._lock:
            if self._file is None:
                return
            self._file.write(line + "\n")
            self._file.flush()
            self.written += 1

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


def load_records(path: str | Path) -> list[Record]:
    """The records in a ``--record`` file, in order. A truncated last line (the mock was killed
    mid-write) is skipped; any other bad line raises MockEndpointError naming its line number."""
    source = Path(path)
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise MockEndpointError(
            f"cannot read records from {source}: {exc.strerror or exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise MockEndpointError(f"{source} is not UTF-8 JSON lines: {exc}") from exc
    records: list[Record] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(Record.from_json(json.loads(line)))
        except (ValueError, KeyError, TypeError) as exc:
            if number == len(lines):
                break  # a partial last line
            raise MockEndpointError(f"{source}:{number}: not a record: {exc}") from exc
    return records
