"""``spdt-harness mock`` as users run it: a subprocess."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from mock_endpoint.persist import load_records
from mock_endpoint.tls import spki_of
from tests.cli import spdt
from tests.mock_cli import running_mock


def spdt_mock(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return spdt("mock", *args, env=env)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "abc"], "UsageError: --port must be an integer 0..65535, got 'abc'"),
        (["--port", "70000"], "UsageError: --port must be an integer 0..65535, got 70000"),
        (
            ["--max-records", "0"],
            "UsageError: --max-records must be an integer 1..100000000, got 0",
        ),
        (
            ["--host", "not a host"],
            "UsageError: --host must be an IP address to bind, got 'not a host'",
        ),
        (
            ["--record", "/no/such/dir/x.jsonl"],
            "UsageError: --record '/no/such/dir/x.jsonl': directory '/no/such/dir' does not exist",
        ),
        (["--token", ""], "UsageError: --token must not be empty"),
        (
            ["--host", "0.0.0.0"],
            "UsageError: --host 0.0.0.0 is reachable from other machines: the control API "
            "(which can read and reset every record) then needs --control-token T",
        ),
        (["--control-token", ""], "UsageError: --control-token must not be empty"),
        (
            ["--control-port", "x"],
            "UsageError: --control-port must be an integer 0..65535, got 'x'",
        ),
    ],
)
def test_bad_values_are_one_line_usage_errors(
    cli_env: dict[str, str], args: list[str], message: str
) -> None:
    done = spdt_mock(*args, env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == message
    assert done.stdout == ""


def test_a_port_in_use_is_a_clear_error(cli_env: dict[str, str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = spdt_mock("--port", str(port), env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"MockEndpointError: port {port} on 127.0.0.1 is already in use; pick another with "
        "--port (0: any free)"
    )


def test_record_file_and_tokens(cli_env: dict[str, str], tmp_path: Path) -> None:
    record = tmp_path / "hits.jsonl"
    with running_mock("--record", str(record), "--token", "secret", env=cli_env) as mock:
        assert f"recording to {record}" in mock.banner
        with mock.client() as client:
            capi = "https://capi.spotify.com/capi-direct/events/"
            assert (
                client.post(capi, json={}, headers={"Authorization": "Bearer nope"}).status == 403
            )
            assert client.get("https://img.byspotify.com/?key=k&a=init").status == 200
    assert mock.returncode == 0, mock.stderr
    assert [(r.kind, r.status) for r in load_records(record)] == [("capi", 403), ("image", 200)]


def test_a_control_token_is_printed_in_the_url_and_required(cli_env: dict[str, str]) -> None:
    with running_mock("--control-token", "s3cret", env=cli_env) as running:
        assert "control API: https://127.0.0.1:" in running.banner
        assert "/__spdt/?token=s3cret" in running.banner
        assert running.control_token == "s3cret"
        with running.client() as client:
            assert client.get(client.control_url("summary")).status == 401
            assert client.control("GET", "summary").status == 200
            refused = client.post("https://pixels.spotify.com/__spdt/reset")
            assert refused.status == 404
            assert client.control("GET", "summary").json()["total"] == 1  # the refusal itself


def test_cert_dir_keeps_the_fingerprint_across_restarts(
    cli_env: dict[str, str], tmp_path: Path
) -> None:
    cert_dir = tmp_path / "certs"
    fingerprints = []
    for _ in range(2):
        with running_mock("--mock-cert-dir", str(cert_dir), env=cli_env) as mock:
            found = re.search(r"certificate SPKI fingerprint\(s\): (\S+)", mock.banner)
            assert found, mock.banner
            fingerprints.append(found.group(1))
        assert mock.returncode == 0, mock.stderr
    assert fingerprints[0] == fingerprints[1] == spki_of((cert_dir / "mock-cert.pem").read_bytes())
    broken = spdt_mock("--mock-cert-dir", str(cert_dir / "mock-key.pem"), env=cli_env)
    assert broken.returncode == 2
    assert broken.stderr.strip().startswith("UsageError: --mock-cert-dir ")
