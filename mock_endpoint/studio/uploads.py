"""``audience check``: validate a custom-audience upload file, streaming.

The file is CSV with a header naming its column(s): ``email`` (SHA-256 hex of the trimmed,
lowercased address) and/or ``idfa`` / ``aaid`` / ``device_id`` (a UUID, lowercase, with
hyphens). One identifier per row. Memory stays flat whatever the row count: rows are read one
at a time, duplicates are found with a fixed-size Bloom filter and confirmed exactly in a
second pass over only the candidate values.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from mock_endpoint.studio.hashing import EMPTY_SHA256, SHA256_ANY_CASE_RE, SHA256_HEX_RE, redact

MINIMUM_USERS = 1_000
EMAIL_COLUMNS = frozenset({"email", "hashed_email", "sha256_email"})
DEVICE_COLUMNS = frozenset({"idfa", "aaid", "device_id", "maid"})
COLUMNS = EMAIL_COLUMNS | DEVICE_COLUMNS
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_ANY_CASE_RE = re.compile(r"^[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}$")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"
MAX_EXAMPLES = 10  # lines shown per defect
BLOOM_BITS = 1 << 26  # 8 MiB: about 1e-5 false candidates a row at 1,000,000 distinct values
MAX_CANDIDATES = 100_000
csv.field_size_limit(1 << 20)

MESSAGES: dict[str, str] = {
    "EMAIL_UNHASHED": "a raw email address: hash it (trim, lowercase, SHA-256)",
    "EMAIL_UPPERCASE_HEX": "uppercase hex: Spotify expects lowercase SHA-256 hex",
    "EMAIL_WHITESPACE": "surrounded by whitespace: trim before hashing and writing",
    "EMAIL_EMPTY_HASH": "the SHA-256 of the empty string: an empty email was hashed",
    "EMAIL_NOT_SHA256": "not a SHA-256 hex digest (64 lowercase hex characters)",
    "DEVICE_WRONG_CASE": "uppercase device id: IDFA/AAID are written lowercase",
    "DEVICE_NO_HYPHENS": "device id without hyphens: write the UUID as 8-4-4-4-12",
    "DEVICE_ALL_ZERO": "all-zero device id (ad tracking limited): it matches nobody",
    "DEVICE_WHITESPACE": "surrounded by whitespace: trim the device id",
    "DEVICE_NOT_UUID": "not an IDFA/AAID (a UUID, lowercase, with hyphens)",
    "DUPLICATE": "duplicate of an earlier row",
    "TOO_MANY_FIELDS": "more fields than the header names",
    "BELOW_MINIMUM": "below the 1,000-user minimum",
}


class UploadError(ValueError):
    """The file cannot be checked at all: unreadable, not UTF-8, no header, unknown columns."""


@dataclass(slots=True)
class Defect:
    code: str
    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, shown: str) -> None:
        self.count += 1
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append((line, shown))


@dataclass(slots=True)
class UploadReport:
    path: str
    columns: tuple[str, ...] = ()
    rows: int = 0
    blank_rows: int = 0
    identifiers: dict[str, int] = field(default_factory=dict)  # by column
    valid: int = 0
    unique: int = 0
    defects: dict[str, Defect] = field(default_factory=dict)

    def defect(self, code: str, line: int, shown: str) -> None:
        self.defects.setdefault(code, Defect(code)).add(line, shown)

    @property
    def errors(self) -> int:
        return sum(d.count for d in self.defects.values())

    @property
    def below_minimum(self) -> bool:
        return self.unique < MINIMUM_USERS

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "columns": list(self.columns),
            "rows": self.rows,
            "blank_rows": self.blank_rows,
            "identifiers": dict(self.identifiers),
            "valid": self.valid,
            "unique": self.unique,
            "minimum": MINIMUM_USERS,
            "below_minimum": self.below_minimum,
            "defects": [
                {
                    "code": d.code,
                    "count": d.count,
                    "message": MESSAGES[d.code],
                    "examples": [{"line": n, "value": v} for n, v in d.examples],
                }
                for d in sorted(self.defects.values(), key=lambda d: d.code)
            ],
            "ok": self.errors == 0 and not self.below_minimum,
        }


def _email_defect(raw: str) -> str | None:
    value = raw.strip()
    if value != raw:
        return "EMAIL_WHITESPACE"
    if SHA256_HEX_RE.match(value):
        return "EMAIL_EMPTY_HASH" if value == EMPTY_SHA256 else None
    if SHA256_ANY_CASE_RE.match(value):
        return "EMAIL_UPPERCASE_HEX"
    if "@" in value:
        return "EMAIL_UNHASHED"
    return "EMAIL_NOT_SHA256"


def _device_defect(raw: str) -> str | None:
    value = raw.strip()
    if value != raw:
        return "DEVICE_WHITESPACE"
    if UUID_RE.match(value):
        return "DEVICE_ALL_ZERO" if value == ZERO_UUID else None
    if UUID_ANY_CASE_RE.match(value):
        if "-" not in value or value.count("-") != 4:
            return "DEVICE_NO_HYPHENS"
        return "DEVICE_WRONG_CASE"
    return "DEVICE_NOT_UUID"


class _Bloom:
    def __init__(self, bits: int = BLOOM_BITS) -> None:
        self.mask = bits - 1
        self.bits = bytearray(bits // 8)

    def add(self, fingerprint: bytes) -> bool:
        """Set the value's bits; True when all were set already (a possible duplicate)."""
        seen = True
        for i in range(0, 16, 4):
            n = int.from_bytes(fingerprint[i : i + 4], "little") & self.mask
            byte, bit = n >> 3, 1 << (n & 7)
            if not self.bits[byte] & bit:
                seen = False
                self.bits[byte] |= bit
        return seen


def _fingerprint(column_group: str, value: str) -> bytes:
    return hashlib.blake2b(f"{column_group}:{value}".encode(), digest_size=16).digest()


def _open(path: Path) -> IO[str]:
    try:
        return path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise UploadError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) for each row after the header; UploadError if undecodable."""
    with _open(path) as handle:
        reader = csv.reader(handle)
        try:
            for fields in reader:
                yield reader.line_num, fields
        except UnicodeDecodeError as exc:
            raise UploadError(
                f"{path}: not UTF-8 near line {reader.line_num + 1} ({exc.reason})"
            ) from exc
        except csv.Error as exc:
            raise UploadError(f"{path}:{reader.line_num}: not CSV: {exc}") from exc


def _header(path: Path, fields: list[str]) -> tuple[str, ...]:
    columns = tuple(f.strip().lstrip("\ufeff").lower() for f in fields)
    unknown = [c for c in columns if c not in COLUMNS]
    if unknown:
        looks_like_data = any(
            SHA256_ANY_CASE_RE.match(c) or UUID_ANY_CASE_RE.match(c) or "@" in c for c in unknown
        )
        accepted = ", ".join(sorted(COLUMNS))
        if looks_like_data:
            raise UploadError(f"{path}: line 1 must be a header naming the columns ({accepted})")
        shown = ", ".join(repr(c[:40]) for c in unknown[:5])
        raise UploadError(f"{path}: unknown column(s) {shown}; accepted columns: {accepted}")
    if not columns or len(set(columns)) != len(columns):
        raise UploadError(f"{path}: the header names a column twice (or none)")
    return columns


def check_upload(path: str | Path) -> UploadReport:
    """Check every row; raises UploadError when the file cannot be checked at all."""
    source = Path(path)
    report = UploadReport(str(source))
    bloom = _Bloom()
    candidates: dict[bytes, int] = {}  # fingerprint → first line (filled in pass 2)
    overflow = 0
    rows = _rows(source)
    first = next(rows, None)
    if first is None:
        raise UploadError(f"{source} is empty: expected a header (email, idfa, aaid, device_id)")
    columns = report.columns = _header(source, first[1])
    groups = ["email" if c in EMAIL_COLUMNS else "device" for c in columns]
    for line, fields in rows:
        report.rows += 1
        if not any(f.strip() for f in fields):
            report.blank_rows += 1
            continue
        if len(fields) > len(columns):
            report.defect("TOO_MANY_FIELDS", line, f"{len(fields)} fields")
        for column, group, raw in zip(columns, groups, fields, strict=False):
            if not raw.strip():
                continue
            report.identifiers[column] = report.identifiers.get(column, 0) + 1
            code = _email_defect(raw) if group == "email" else _device_defect(raw)
            if code is not None:
                report.defect(code, line, redact(raw))
                continue
            report.valid += 1
            fingerprint = _fingerprint(group, raw)
            if bloom.add(fingerprint):
                if len(candidates) < MAX_CANDIDATES:
                    candidates[fingerprint] = 0
                else:
                    overflow += 1
    duplicates = _confirm(source, columns, groups, candidates, report)
    report.unique = report.valid - duplicates - overflow
    if overflow:
        report.defects.setdefault("DUPLICATE", Defect("DUPLICATE")).count += overflow
    if report.below_minimum:
        report.defect("BELOW_MINIMUM", 0, f"{report.unique} unique valid identifier(s)")
    return report


def _confirm(
    source: Path,
    columns: tuple[str, ...],
    groups: list[str],
    candidates: dict[bytes, int],
    report: UploadReport,
) -> int:
    """Second pass over the candidates only: the exact duplicates, with their lines."""
    if not candidates:
        return 0
    duplicates = 0
    rows = _rows(source)
    next(rows, None)
    for line, fields in rows:
        for _column, group, raw in zip(columns, groups, fields, strict=False):
            if not raw.strip():
                continue
            fingerprint = _fingerprint(group, raw)
            first = candidates.get(fingerprint)
            if first is None:
                continue
            if first == 0:
                candidates[fingerprint] = line
            else:
                duplicates += 1
                report.defect("DUPLICATE", line, f"{redact(raw)} (first on line {first})")
    return duplicates
