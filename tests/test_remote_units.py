"""The parts of remote browsers that need no browser: endpoints, launch options, the mock's
advertised address and certificates, ``browser-config`` and the usage errors."""

from __future__ import annotations

import json

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
