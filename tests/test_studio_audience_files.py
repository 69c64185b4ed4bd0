"""``audience check`` and ``audience hash`` on files with every listed defect, through the CLI
as users run it (a subprocess), and the checker's report from Python."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mock_endpoint.studio.hashing import hash_email
from mock_endpoint.studio.uploads import UploadError, check_upload
from tests.cli import spdt

ANN = "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476"  # sha256 ann@example.com
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
IDFA = "6d92078a-8246-4ba4-ae5b-76104861e7dc"


def good_hashes(n: int) -> list[str]:
    return [hashlib.sha256(f"user{i}@example.com".encode()).hexdigest() for i in range(n)]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_hash_email_trims_and_lowercases() -> None:
    assert hash_email("  Ann@Example.COM \n") == ANN
    assert hash_email("") == EMPTY


def test_every_email_defect_is_flagged_with_its_line_and_no_raw_identifier(tmp_path: Path) -> None:
    rows = [
        "email",
        ANN,  # line 2: fine
        "bob@example.com",  # 3: unhashed
        ANN.upper(),  # 4: uppercase hex
        f" {good_hashes(1)[0]} ",  # 5: whitespace
        ANN,  # 6: duplicate of line 2
        EMPTY,  # 7: hash of the empty string
        "not-a-hash",  # 8
    ]
    report = check_upload(write(tmp_path, "emails.csv", rows)).to_json()
    found = {d["code"]: [(e["line"], e["value"]) for e in d["examples"]] for d in report["defects"]}
    assert found == {
        "EMAIL_UNHASHED": [(3, "b***@***")],
        "EMAIL_UPPERCASE_HEX": [(4, "71D4…(64 chars)")],
        "EMAIL_WHITESPACE": [(5, f"{good_hashes(1)[0][:4]}…(64 chars)")],
        "DUPLICATE": [(6, "71d4…(64 chars) (first on line 2)")],
        "EMAIL_EMPTY_HASH": [(7, "e3b0…(64 chars)")],
        "EMAIL_NOT_SHA256": [(8, "not-…(10 chars)")],
        "BELOW_MINIMUM": [(0, "1 unique valid identifier(s)")],
    }
    assert (report["rows"], report["valid"], report["unique"]) == (7, 2, 1)
    assert "bob@example.com" not in json.dumps(report)


def test_every_device_id_defect_is_flagged(tmp_path: Path) -> None:
    rows = [
        "idfa",
        IDFA,  # 2: fine
        IDFA.upper(),  # 3: wrong case
        IDFA.replace("-", ""),  # 4: no hyphens
        "00000000-0000-0000-0000-000000000000",  # 5: all zero
        "12345",  # 6: not a UUID
        IDFA,  # 7: duplicate
    ]
    report = check_upload(write(tmp_path, "devices.csv", rows)).to_json()
    found = {d["code"]: [e["line"] for e in d["examples"]] for d in report["defects"]}
    assert found == {
        "DEVICE_WRONG_CASE": [3],
        "DEVICE_NO_HYPHENS": [4],
        "DEVICE_ALL_ZERO": [5],
        "DEVICE_NOT_UUID": [6],
        "DUPLICATE": [7],
        "BELOW_MINIMUM": [0],
    }


def test_a_clean_file_of_1000_meets_the_minimum_and_999_does_not(tmp_path: Path) -> None:
    hashes = good_hashes(1000)
    full = check_upload(write(tmp_path, "full.csv", ["email", *hashes]))
    short = check_upload(write(tmp_path, "short.csv", ["email", *hashes[:999]]))
    assert (full.unique, full.errors, full.to_json()["ok"]) == (1000, 0, True)
    assert (short.unique, short.to_json()["ok"]) == (999, False)
    assert list(short.defects) == ["BELOW_MINIMUM"]


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["phone", "123"], "unknown column(s) 'phone'"),
        ([ANN, ANN], "line 1 must be a header"),
        ([], "is empty"),
    ],
)
def test_files_that_cannot_be_checked(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(UploadError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_upload(path)


def test_cli_exit_codes_and_report(tmp_path: Path, cli_env: dict[str, str]) -> None:
    clean = write(tmp_path, "clean.csv", ["email", *good_hashes(1000)])
    broken = write(tmp_path, "broken.csv", ["email", ANN, "carol@example.com", ANN])
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"email\n" + "caf\xe9@example.com".encode("latin-1") + b"\n")
    ok = spdt("audience", "check", str(clean), env=cli_env)
    bad = spdt("audience", "check", str(broken), env=cli_env)
    unknown = spdt("audience", "check", str(write(tmp_path, "u.csv", ["mail", ANN])), env=cli_env)
    missing = spdt("audience", "check", str(tmp_path / "none.csv"), env=cli_env)
    undecodable = spdt("audience", "check", str(latin), env=cli_env)
    assert (ok.returncode, bad.returncode, unknown.returncode) == (0, 1, 2)
    assert (missing.returncode, undecodable.returncode) == (2, 2)
    assert "1,000 unique identifier(s): meets the 1,000-user minimum" in ok.stdout
    assert "error EMAIL_UNHASHED: 1" in bad.stdout
    assert "  line 3: c***@***" in bad.stdout
    assert "  line 4: 71d4…(64 chars) (first on line 2)" in bad.stdout
    assert "below the 1,000-user minimum" in bad.stdout
    assert "carol" not in bad.stdout
    assert unknown.stderr.startswith("UsageError: ")
    assert "unknown column(s) 'mail'" in unknown.stderr
    assert "not UTF-8" in undecodable.stderr
    assert "Traceback" not in missing.stderr + undecodable.stderr + unknown.stderr


def test_cli_hash_writes_a_file_that_passes_the_check(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    raw = write(tmp_path, "raw.txt", ["email", "  Ann@Example.COM ", "", "bob@example.com"])
    out = tmp_path / "hashed.csv"
    done = spdt("audience", "hash", str(raw), "--output", str(out), env=cli_env)
    assert done.returncode == 0
    assert out.read_text().splitlines() == [
        "email",
        ANN,
        hashlib.sha256(b"bob@example.com").hexdigest(),
    ]
    assert "hashed 2 email(s); skipped 1 blank line(s)" in done.stderr
    report = check_upload(out)
    assert (report.errors - report.defects["BELOW_MINIMUM"].count, report.unique) == (0, 2)
