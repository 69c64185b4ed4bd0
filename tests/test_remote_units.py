"""The parts of remote browsers that need no browser: endpoints, launch options, the mock's
advertised address and certificates, ``browser-config`` and the usage errors."""

from __future__ import annotations

import json
import socket
import ssl
from pathlib import Path
from typing import Any

import pytest

from harness.audit.runner import mock_listen
from harness.browser.remote import (
    GUARD_PROBE_HOST,
    LAUNCH_OPTIONS_HEADER,
    check_endpoint,
    endpoint_label,
    launch_headers,
)
from harness.errors import UsageError
from mock_endpoint.server import MockEndpoint
from mock_endpoint.tls import spki_of
from tests.cli import spdt


def test_endpoint_label_leaves_the_path_out() -> None:
    assert endpoint_label("ws://10.0.0.5:3000/secret-guid?x=1") == "ws://10.0.0.5:3000"
    assert endpoint_label("wss://[::1]:9/") == "wss://[::1]:9"


def test_check_endpoint_wants_a_websocket_url() -> None:
    assert check_endpoint("ws://127.0.0.1:3000/") == "ws://127.0.0.1:3000/"
    with pytest.raises(UsageError, match=r"--connect 'http://x:1/': expected a ws:// or wss://"):
        check_endpoint("http://x:1/")
    assert check_endpoint("http://127.0.0.1:9222", "--connect-cdp")


def test_launch_headers_carry_args_and_executable() -> None:
    headers = launch_headers(["--a=1"], executable_path="/opt/chrome", headless=True)
    assert json.loads(headers[LAUNCH_OPTIONS_HEADER]) == {
        "headless": True,
        "args": ["--a=1"],
        "executablePath": "/opt/chrome",
    }


def test_mock_listen_parses_addr_and_port() -> None:
    assert mock_listen(None) == ("127.0.0.1", 0)
    assert mock_listen("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert mock_listen("[::1]:9") == ("::1", 9)
    with pytest.raises(UsageError, match="--mock-listen 'x:y' is not ADDR"):
        mock_listen("x:y")


def test_advertised_address_is_mapped_and_named_by_both_certificates() -> None:
    mock = MockEndpoint(advertise="mock.example.internal:8443")
    assert set(mock.host_map().values()) == {"mock.example.internal:8443"}
    assert "mock.example.internal" in mock.certificate.hosts
    assert "mock.example.internal" in mock.control_certificate.hosts
    assert mock.control_token  # the control API keeps its token
    plain = MockEndpoint()
    assert "mock.example.internal" not in plain.certificate.hosts


def test_browser_config_writes_a_launch_server_file(cli_env: dict[str, str]) -> None:
    spki = "A" * 43 + "="
    done = spdt(
        "browser-config", "--mock-advertise", "10.0.0.5:8443", "--trust-spki", spki, env=cli_env
    )
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    rules = config["args"][0]
    assert rules.startswith("--host-resolver-rules=MAP pixel.byspotify.com 10.0.0.5:8443")
    assert f"MAP {GUARD_PROBE_HOST} 10.0.0.5:8443" in rules
    assert "MAP * ~NOTFOUND" in rules
    assert config["args"][1] == f"--ignore-certificate-errors-spki-list={spki}"


def test_bad_connect_is_one_line_exit_2(cli_env: dict[str, str]) -> None:
    done = spdt("audit", "https://shop.test/", "--connect", "http://x:1/", env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "UsageError: --connect 'http://x:1/': expected a ws:// or wss:// URL "
        "(e.g. ws://127.0.0.1:3000/)"
    ]


# -- the persistent mock certificate (--mock-cert-dir) ------------------------------------------
def _config_spki(stdout: str) -> str:
    flag = json.loads(stdout)["args"][1]
    assert flag.startswith("--ignore-certificate-errors-spki-list=")
    return str(flag.split("=", 1)[1])


def _config(cert_dir: Path, env: dict[str, str], advertise: str = "10.0.0.5:8443") -> Any:
    return spdt(
        "browser-config", "--mock-advertise", advertise, "--mock-cert-dir", str(cert_dir), env=env
    )


def test_mock_cert_dir_is_made_once_and_reused_by_config_and_mock(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cert_dir = tmp_path / "certs"
    first, second = _config(cert_dir, cli_env), _config(cert_dir, cli_env)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert sorted(p.name for p in cert_dir.iterdir() if not p.name.startswith(".")) == [
        "mock-ca.pem",
        "mock-cert.pem",
        "mock-key.pem",
    ]
    assert (cert_dir / "mock-key.pem").stat().st_mode & 0o777 == 0o600
    spki = _config_spki(first.stdout)
    assert _config_spki(second.stdout) == spki
    assert spki == spki_of((cert_dir / "mock-cert.pem").read_bytes())
    assert "PRIVATE KEY" not in first.stdout + first.stderr
    mock = MockEndpoint(advertise="10.0.0.5:8443", cert_dir=cert_dir)
    assert mock.spki == spki  # the audit's mock serves the very certificate the config trusts
    assert {"10.0.0.5", "pixels.spotify.com", "*.spotify.com"} <= set(mock.certificate.hosts)
    assert MockEndpoint(advertise="10.0.0.5:8443").spki != spki  # without it: new each run
    # What it serves is that certificate, and HTTP clients verify it with mock-ca.pem.
    trusting = ssl.create_default_context(cafile=str(cert_dir / "mock-ca.pem"))
    with (
        MockEndpoint(cert_dir=cert_dir, advertise="10.0.0.5") as served,
        socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw,
        trusting.wrap_socket(raw, server_hostname="pixels.spotify.com") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
        assert der is not None
        assert spki_of(ssl.DER_cert_to_PEM_cert(der).encode()) == spki


def _one_line_exit_2(done: Any, *expected: str) -> str:
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("UsageError: --mock-cert-dir "), lines[0]
    for part in expected:
        assert part in lines[0], lines[0]
    assert "PRIVATE KEY" not in done.stderr
    return str(lines[0])


def test_mock_cert_dir_that_does_not_name_the_advertised_host(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cert_dir = tmp_path / "certs"
    assert _config(cert_dir, cli_env).returncode == 0
    done = _config(cert_dir, cli_env, advertise="mock.example.internal:8443")
    _one_line_exit_2(done, "mock-cert.pem does not name mock.example.internal")
    with pytest.raises(UsageError, match=r"does not name 10\.0\.0\.6"):
        MockEndpoint(advertise="10.0.0.6:8443", cert_dir=cert_dir)


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        ("corrupt certificate", "mock-cert.pem is not a PEM certificate"),
        ("corrupt CA", "mock-ca.pem is not a PEM certificate"),
        ("CA of another certificate", "mock-ca.pem is not the CA that issued mock-cert.pem"),
        ("corrupt key", "mock-key.pem is not an unencrypted PEM private key"),
        ("key of another certificate", "mock-key.pem is not the key of mock-cert.pem"),
        ("key readable by others", "mock-key.pem may be read by others (mode 0644)"),
        ("a file missing", "incomplete, mock-ca.pem missing"),
        ("not a folder", "cannot create"),
    ],
)
def test_mock_cert_dir_bad_input_is_one_line_exit_2(
    damage: str, expected: str, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cert_dir, other = tmp_path / "certs", tmp_path / "other"
    assert _config(cert_dir, cli_env).returncode == 0
    key = cert_dir / "mock-key.pem"
    if damage == "corrupt certificate":
        (cert_dir / "mock-cert.pem").write_text("-----BEGIN CERTIFICATE-----\nnot base64\n")
    elif damage == "corrupt CA":
        (cert_dir / "mock-ca.pem").write_bytes(b"")
    elif damage == "CA of another certificate":
        assert _config(other, cli_env).returncode == 0
        (cert_dir / "mock-ca.pem").write_bytes((other / "mock-ca.pem").read_bytes())
    elif damage == "corrupt key":
        key.write_text("garbage")
    elif damage == "key of another certificate":
        assert _config(other, cli_env).returncode == 0
        key.write_bytes((other / "mock-key.pem").read_bytes())
    elif damage == "key readable by others":
        key.chmod(0o644)
    elif damage == "a file missing":
        (cert_dir / "mock-ca.pem").unlink()
    else:
        cert_dir = tmp_path / "a-file"
        cert_dir.write_text("")
        cert_dir = cert_dir / "certs"
    _one_line_exit_2(_config(cert_dir, cli_env), expected)


def test_audit_with_a_broken_mock_cert_dir_stops_before_any_browser(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    cert_dir = tmp_path / "certs"
    assert _config(cert_dir, cli_env).returncode == 0
    (cert_dir / "mock-cert.pem").write_text("not a certificate")
    done = spdt(
        "audit", "https://shop.test/", "--offline", "--mock-cert-dir", str(cert_dir), env=cli_env
    )
    _one_line_exit_2(done, "mock-cert.pem is not a PEM certificate")


def test_browser_config_server_listen_sets_the_launch_server_host_and_port(
    cli_env: dict[str, str],
) -> None:
    base = ["browser-config", "--mock-advertise", "10.0.0.5:8443"]
    done = spdt(*base, "--server-listen", "0.0.0.0:3000", env=cli_env)
    assert done.returncode == 0, done.stderr
    config = json.loads(done.stdout)
    assert (config["host"], config["port"]) == ("0.0.0.0", 3000)
    bad = spdt(*base, "--server-listen", "x:y", env=cli_env)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "UsageError: --server-listen 'x:y' is not ADDR[:PORT] (e.g. 0.0.0.0:3000)"
    ]


def test_browser_config_real_dns_keeps_the_spotify_names_mapped(cli_env: dict[str, str]) -> None:
    done = spdt("browser-config", "--mock-advertise", "10.0.0.5:8443", "--real-dns", env=cli_env)
    assert done.returncode == 0, done.stderr
    rules = json.loads(done.stdout)["args"][0]
    assert "MAP * ~NOTFOUND" not in rules
    assert "MAP *.spotify.com 10.0.0.5:8443" in rules
    assert "MAP *.pdst.fm 10.0.0.5:8443" in rules
