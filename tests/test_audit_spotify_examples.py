"""``spdt-harness audit`` in Chromium on installs that copy Spotify's own examples: quoted numbers
are valid, Spotify's INSERT_* snippet tokens are unfilled placeholders, personal data outside
alias is reported with its value shortened."""

from __future__ import annotations

import os
from typing import Any

import pytest
import yaml

from fixture_sites.catalogue import scenario
from fixture_sites.server import FixtureServer
from tests.audit_helpers import codes, read_json, site_args, spdt

pytestmark = pytest.mark.browser

NAMES = ("spotify-quoted-numbers", "spotify-insert-placeholders", "email-in-lead")


@pytest.fixture(scope="module")
def report(sites: FixtureServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("spotify-examples")
    journeys: list[str] = []
    for name in NAMES:
        path = tmp / f"{name}.yaml"
        path.write_text(yaml.safe_dump(scenario(name).resolved_flow()), "utf-8")
        journeys += ["--journey", str(path)]
    out = tmp / "report.json"
    done = spdt(
        "audit",
        *journeys,
        *site_args(sites),
        "--no-screenshots",
        "--format",
        "json",
        "--output",
        str(out),
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        timeout=600,
    )
    assert "Traceback" not in done.stderr
    data = read_json(out)
    data["returncode"] = done.returncode
    return data


def _page(report: dict[str, Any], name: str) -> dict[str, Any]:
    (page,) = [p for p in report["pages"] if p["journey"] == f"{name}.yaml"]
    assert page["problem"] is None
    found: dict[str, Any] = page
    return found


def test_spotify_quoted_numbers_are_not_errors(report: dict[str, Any]) -> None:
    page = _page(report, "spotify-quoted-numbers")
    assert page["findings"] == []


def test_insert_value_is_an_unfilled_placeholder(report: dict[str, Any]) -> None:
    page = _page(report, "spotify-insert-placeholders")
    assert codes(page) == {"UNFILLED_PLACEHOLDER"}
    messages = sorted(f["message"] for f in page["findings"])
    assert messages == [
        "Purchase: parameter line_items[0].variant_name is an unfilled placeholder: "
        "'VARIANT_NAME' (str)",
        "Purchase: parameter order_id is an unfilled placeholder: 'INSERT_ORDER_ID' (str)",
        "Purchase: parameter value is an unfilled placeholder: 'INSERT_VALUE' (str)",
    ]
    assert report["returncode"] == 1  # an error fails CI


def test_email_in_a_lead_is_a_warning_with_the_address_shortened(report: dict[str, Any]) -> None:
    page = _page(report, "email-in-lead")
    (finding,) = page["findings"]
    assert (finding["code"], finding["severity"]) == ("PERSONAL_DATA_IN_EVENT", "warning")
    assert finding["message"] == "Lead: parameter email holds an email address in a 'lead' event."
    shown = " ".join(finding["evidence"])
    assert "list…" in shown
    assert "listener@example.com" not in shown
