"""``spdt-harness mock`` as users run it: a subprocess."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from mock_endpoint.persist import load_records
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
