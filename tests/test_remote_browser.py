"""Browsers on another host, proven on this one: two ``playwright run-server --unsafe``
processes on loopback stand in for a browser fleet. The audit spreads its pages over both, finds
what a local run finds, and the remote browsers stay pinned to the mock; a server that drops our
launch options (no ``--unsafe``) or a Chromium started without our flags is refused (exit 2)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fixture_sites.server import FixtureServer
from harness.browser.discovery import find_browser
from harness.browser.remote import endpoint_label
from harness.errors import BrowserLaunchError
from harness.lab import Harness
from tests.audit_helpers import codes, read_json, site_args, spdt

pytestmark = pytest.mark.browser

PLAYWRIGHT = Path(sys.executable).with_name("playwright")
SCENARIOS = ("shop-correct", "placeholder-key", "shop-correct", "placeholder-key")
_LISTENING = re.compile(r"Listening on (ws://\S+)")


class _ServerProcess:
    """A Playwright server command as a child process in a session of its own; ready once it
    prints its ws:// endpoint (``pattern``'s first group)."""

    def __init__(self, argv: list[str], pattern: re.Pattern[str], name: str) -> None:
        self.process = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            found = pattern.search(line.strip())
            if found:
                self.endpoint = found.group(1)
                return
            if not line and self.process.poll() is not None:
                break
        self.stop()
        raise AssertionError(f"{name} did not print its endpoint; last line {line!r}")

    def stop(self) -> None:
        _stop(self.process)


class BrowserServer(_ServerProcess):
    """``playwright run-server --port 0 --host 127.0.0.1 [--unsafe]`` as a child process."""

    def __init__(self, *, unsafe: bool) -> None:
        argv = [str(PLAYWRIGHT), "run-server", "--port", "0", "--host", "127.0.0.1"]
        super().__init__([*argv, *(["--unsafe"] if unsafe else [])], _LISTENING, "run-server")


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop the server and its Node driver: the ``playwright`` command is a Python wrapper that
    runs the driver as a child of its own, which outlives the wrapper unless signalled too (each
    server runs in a session of its own, so the group is exactly its processes)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    if process.stdout is not None:
        process.stdout.close()


@pytest.fixture(scope="module")
def sites() -> Iterator[FixtureServer]:
    """This module's own fixture sites: they stop after the browser servers (whose Chromiums
    may still hold connections to them for a moment after a client disconnects)."""
    with FixtureServer() as server:
        yield server


@pytest.fixture(scope="module")
def servers(sites: FixtureServer) -> Iterator[tuple[BrowserServer, BrowserServer]]:
    first = BrowserServer(unsafe=True)
    try:
        second = BrowserServer(unsafe=True)
    except BaseException:
        first.stop()
        raise
    yield first, second
    first.stop()
    second.stop()


@pytest.fixture(scope="module")
def chromium() -> str:
    """The executable the servers launch (no Playwright browser need be downloaded)."""
    path = find_browser().path
    assert path is not None
    return path


def _urls() -> list[str]:
    return [f"https://shop.test/{name}/landing" for name in SCENARIOS]


def test_audit_through_two_servers_spreads_pages_and_finds_what_a_local_run_finds(
    servers: tuple[BrowserServer, BrowserServer],
    chromium: str,
    sites: FixtureServer,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    a, b = servers
    common = [*_urls(), *site_args(sites), "--workers", "2", "--format", "json"]
    remote_out, local_out = tmp_path / "remote.json", tmp_path / "local.json"
    remote = spdt(
        "audit",
        *common,
        "--connect",
        a.endpoint,
        "--connect",
        b.endpoint,
        "--browser",
        chromium,
        "--output",
        str(remote_out),
        env=cli_env,
    )
    local = spdt("audit", *common, "--output", str(local_out), env=cli_env)
    assert remote.returncode == local.returncode == 1, (remote.stderr, local.stderr)
    remote_pages, local_pages = read_json(remote_out)["pages"], read_json(local_out)["pages"]
    assert [codes(p) for p in remote_pages] == [codes(p) for p in local_pages]
    assert "INVALID_PIXEL_KEY" in codes(remote_pages[1])
    assert not [p for p in remote_pages if p["problem"]]
    used = {p["browser"] for p in remote_pages}
    assert used == {endpoint_label(a.endpoint), endpoint_label(b.endpoint)}, used
    assert {p["browser"] for p in local_pages} == {"local"}
    assert read_json(remote_out)["options"]["browser_servers"] == 2


def in_own_thread(body: Callable[[], None]) -> None:
    """Run ``body`` in a thread of its own: Playwright's sync API refuses a thread whose asyncio
    loop is already running (pytest-playwright's, when another test of this worker used it)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            body()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    thread = threading.Thread(target=run, name="spdt-test-own-playwright")
    thread.start()
    thread.join()
    if failures:
        raise failures[0]


def test_remote_browser_never_resolves_an_unmapped_spotify_name_for_real(
    servers: tuple[BrowserServer, BrowserServer], chromium: str
) -> None:
    def body() -> None:
        with (
            Harness(connect=servers[1].endpoint, browser=chromium) as lab,
            lab.new_context() as ctx,
        ):
            ctx.page.goto("https://never-mapped-probe.spotify.com/anything", timeout=15_000)
            hits = [r for r in lab.mock.records(ctx.session) if r.path == "/anything"]
            assert [(r.host, r.kind) for r in hits] == [
                ("never-mapped-probe.spotify.com", "unknown")
            ], lab.mock.records()
            # A name neither Spotify's nor mapped fails closed in the remote browser too.
            with pytest.raises(Exception, match="ERR_NAME_NOT_RESOLVED"):
                ctx.page.goto("https://example.com/", timeout=15_000)

    in_own_thread(body)


def test_server_without_unsafe_makes_the_audit_exit_2_with_one_line(
    chromium: str, sites: FixtureServer, cli_env: dict[str, str]
) -> None:
    server = BrowserServer(unsafe=False)
    try:
        done = spdt(
            "audit",
            _urls()[0],
            *site_args(sites),
            "--connect",
            server.endpoint,
            "--browser",
            chromium,
            env=cli_env,
        )
    finally:
        server.stop()
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("BrowserLaunchError: ")
    assert "--unsafe" in lines[0]
    assert "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_for_devtools(endpoint: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/json/version", timeout=5):
                return
        except OSError:
            assert time.monotonic() < deadline, "Chromium's DevTools endpoint never answered"
            time.sleep(0.3)


def test_chromium_started_without_our_flags_is_refused_over_cdp(
    chromium: str, tmp_path: Path
) -> None:
    port = _free_port()
    browser = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            f"--remote-debugging-port={port}",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={tmp_path / 'profile'}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_for_devtools(endpoint)

        def body() -> None:
            lab = Harness(connect_cdp=endpoint)
            with pytest.raises(BrowserLaunchError, match="is not guarded"):
                lab.start()

        in_own_thread(body)
    finally:
        browser.terminate()
        browser.wait(20)


def test_e2e_through_two_servers(
    servers: tuple[BrowserServer, BrowserServer],
    chromium: str,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    a, b = servers
    done = spdt(
        "e2e",
        "shop-correct",
        "placeholder-key",
        "--workers",
        "2",
        "--connect",
        a.endpoint,
        "--connect",
        b.endpoint,
        "--browser",
        chromium,
        "--output",
        str(tmp_path / "e2e"),
        env=cli_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed, 0 failed" in done.stdout


PLUGIN_CONFTEST = """
import pytest
from harness.browser import find_browser

@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": find_browser().path}
"""

PLUGIN_TESTS = """
import pytest

pytestmark = pytest.mark.spdt(sites=True)


def test_view_through_a_browser_server(spdt_context, spdt_harness, spdt_mock_view):
    assert spdt_harness.connect and spdt_harness.connect.startswith("ws://127.0.0.1:")
    spdt_context.land("https://shop.test/shop-correct/landing")
    spdt_context.expect_event("view")
    assert {r.session for r in spdt_mock_view.records()} == {spdt_context.session}
"""


def test_pytest_plugin_spdt_connect(
    servers: tuple[BrowserServer, BrowserServer], pytester: pytest.Pytester
) -> None:
    pytester.makeconftest(PLUGIN_CONFTEST)
    pytester.makepyfile(test_remote_user=PLUGIN_TESTS)
    result = pytester.runpytest_subprocess("--spdt-connect", servers[0].endpoint)
    result.assert_outcomes(passed=1)


# -- browsers whose flags are fixed when they start: a persistent mock certificate -------------
PAIR = ("shop-correct", "placeholder-key")
_WS_LINE = re.compile(r"^(ws://\S+)$")


class LaunchServer(_ServerProcess):
    """``playwright launch-server --browser chromium --config FILE``: its Chromium starts with
    the config's flags; the options a client sends are not used."""

    def __init__(self, config: Path) -> None:
        argv = [str(PLAYWRIGHT), "launch-server", "--browser", "chromium", "--config", str(config)]
        super().__init__(argv, _WS_LINE, "launch-server")


def _pair_urls() -> list[str]:
    return [f"https://shop.test/{name}/landing" for name in PAIR]


@pytest.fixture(scope="module")
def local_pair(sites: FixtureServer, cli_env: dict[str, str], tmp_path_factory: Any) -> list[Any]:
    """The findings of a local audit of the two pages, page by page."""
    out = tmp_path_factory.mktemp("local") / "local.json"
    done = spdt(
        "audit",
        *_pair_urls(),
        *site_args(sites),
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 1, done.stderr
    pages = read_json(out)["pages"]
    assert "INVALID_PIXEL_KEY" in codes(pages[1])
    return [codes(p) for p in pages]


def _browser_config(
    sites: FixtureServer, env: dict[str, str], *extra: str
) -> subprocess.CompletedProcess[str]:
    maps = [a for host, target in sites.host_map().items() for a in ("--map", f"{host}={target}")]
    return spdt("browser-config", *maps, "--trust-spki", sites.spki, *extra, env=env)


def _fixed_mock(port: int, cert_dir: Path) -> list[str]:
    return ["--mock-listen", f"127.0.0.1:{port}", "--mock-cert-dir", str(cert_dir)]


def test_launch_server_config_from_browser_config_audits_like_a_local_run(
    chromium: str,
    sites: FixtureServer,
    local_pair: list[set[str]],
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    port, cert_dir, config = _free_port(), tmp_path / "mock-cert", tmp_path / "launch.json"
    made = _browser_config(
        sites,
        cli_env,
        "--mock-advertise",
        f"127.0.0.1:{port}",
        "--mock-cert-dir",
        str(cert_dir),
        "--browser",
        chromium,
        "--output",
        str(config),
    )
    assert made.returncode == 0, made.stderr
    assert (cert_dir / "mock-key.pem").stat().st_mode & 0o777 == 0o600
    key = (cert_dir / "mock-key.pem").read_text()
    server = LaunchServer(config)
    try:
        runs = []
        for name in ("first.json", "second.json"):  # the second run reuses the certificate
            out = tmp_path / name
            done = spdt(
                "audit",
                *_pair_urls(),
                *site_args(sites),
                *_fixed_mock(port, cert_dir),
                "--connect",
                server.endpoint,
                "--workers",
                "1",
                "--format",
                "json",
                "--output",
                str(out),
                env=cli_env,
            )
            assert done.returncode == 1, done.stderr
            runs.append(out)
    finally:
        server.stop()
    for out in runs:
        report = read_json(out)
        assert [codes(p) for p in report["pages"]] == local_pair
        assert not [p for p in report["pages"] if p["problem"]]
        assert {p["browser"] for p in report["pages"]} == {endpoint_label(server.endpoint)}
        assert report["options"]["persistent_mock_certificate"] is True
        assert "PRIVATE KEY" not in out.read_text()
    assert (cert_dir / "mock-key.pem").read_text() == key  # kept, not remade


def test_chromium_with_our_flags_audits_through_connect_cdp(
    chromium: str,
    sites: FixtureServer,
    local_pair: list[set[str]],
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    port, cert_dir = _free_port(), tmp_path / "mock-cert"
    made = _browser_config(
        sites,
        cli_env,
        "--mock-advertise",
        f"127.0.0.1:{port}",
        "--mock-cert-dir",
        str(cert_dir),
        "--format",
        "args",
    )
    assert made.returncode == 0, made.stderr
    flags = made.stdout.splitlines()
    assert [f.split("=", 1)[0] for f in flags] == [
        "--host-resolver-rules",
        "--ignore-certificate-errors-spki-list",
    ]
    devtools = _free_port()
    browser = subprocess.Popen(
        [
            chromium,
            "--headless=new",
            "--no-sandbox",
            f"--remote-debugging-port={devtools}",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={tmp_path / 'profile'}",
            *flags,
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{devtools}"
    out = tmp_path / "cdp.json"
    try:
        _wait_for_devtools(endpoint)
        done = spdt(
            "audit",
            *_pair_urls(),
            *site_args(sites),
            *_fixed_mock(port, cert_dir),
            "--connect-cdp",
            endpoint,
            "--workers",
            "1",
            "--format",
            "json",
            "--output",
            str(out),
            env=cli_env,
        )
    finally:
        browser.terminate()
        browser.wait(20)
    assert done.returncode == 1, done.stderr
    report = read_json(out)
    assert [codes(p) for p in report["pages"]] == local_pair
    assert {p["browser"] for p in report["pages"]} == {endpoint_label(endpoint)}


@pytest.mark.parametrize("config_of", ["another certificate", "no flags"])
def test_launch_server_not_matching_the_mock_is_refused_with_one_line(
    config_of: str, chromium: str, sites: FixtureServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    port, cert_dir, config = _free_port(), tmp_path / "mock-cert", tmp_path / "launch.json"
    if config_of == "no flags":
        config.write_text(json.dumps({"headless": True, "executablePath": chromium}))
    else:  # the server trusts a certificate made in another folder
        made = _browser_config(
            sites,
            cli_env,
            "--mock-advertise",
            f"127.0.0.1:{port}",
            "--mock-cert-dir",
            str(tmp_path / "other-cert"),
            "--browser",
            chromium,
            "--output",
            str(config),
        )
        assert made.returncode == 0, made.stderr
    server = LaunchServer(config)
    try:
        done = spdt(
            "audit",
            _pair_urls()[0],
            *site_args(sites),
            *_fixed_mock(port, cert_dir),
            "--connect",
            server.endpoint,
            env=cli_env,
        )
    finally:
        server.stop()
    assert done.returncode == 2, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("BrowserLaunchError: the browser at ws://127.0.0.1:")
    assert "is not guarded" in lines[0]
