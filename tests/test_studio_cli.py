"""``spdt-harness status`` and ``attribute`` as users run them: on the worked example's files
(docs/examples/studio) and against a running mock."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli import spdt
from tests.mock_cli import running_mock

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "studio"
KEY = "0123456789abcdef0123456789abcdef"


def test_attribute_the_worked_example(tmp_path: Path, cli_env: dict[str, str]) -> None:
    out = tmp_path / "attribution.json"
    done = spdt(
        "attribute",
        "--campaign",
        str(EXAMPLE / "campaign.yaml"),
        "--record",
        str(EXAMPLE / "records.jsonl"),
        "--output",
        str(out),
        env=cli_env,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split()[:4] == ["2", "purchase", "2026-03-14", "10:00:00Z"]
    assert "click spring       13d after the companion click" in lines[1]
    assert "outside the click-through window of 14d by 1d" in lines[2]
    assert lines[-1] == "2 conversion(s): 1 click-through, 0 view-through, 1 not attributed"
    answers = json.loads(out.read_text())["attributions"]
    assert [(a["record_id"], a["as"], a["reason"], a["over_seconds"]) for a in answers] == [
        (2, "click", None, None),
        (3, "none", "window", 86_400.0),
    ]


def test_bad_campaign_files_are_one_line_usage_errors(
    tmp_path: Path, cli_env: dict[str, str]
) -> None:
    wide = tmp_path / "wide.yaml"
    wide.write_text("campaigns: [{id: c, click_window_days: 31}]\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("campaigns: [unclosed\n")
    record = str(EXAMPLE / "records.jsonl")
    done = spdt("attribute", "--campaign", str(wide), "--record", record, env=cli_env)
    bad_yaml = spdt("attribute", "--campaign", str(broken), "--record", record, env=cli_env)
    no_file = spdt("attribute", "--record", record, env=cli_env)
    remote = spdt("status", "--mock", "https://example.com:443", env=cli_env)
    assert (done.returncode, bad_yaml.returncode, no_file.returncode) == (2, 2, 2)
    assert done.stderr.strip() == (
        f"UsageError: {wide}: campaigns[0]: click_window_days 31 is outside 1..30 days"
    )
    assert bad_yaml.stderr.startswith(f"UsageError: {broken} is not valid YAML/JSON")
    assert "needs --campaign FILE" in no_file.stderr
    assert remote.returncode == 2
    assert "loopback only" in remote.stderr


def test_status_of_a_record_file(tmp_path: Path, cli_env: dict[str, str]) -> None:
    record = str(EXAMPLE / "records.jsonl")
    at_last = spdt("status", "--record", record, "--at", "last", env=cli_env)
    later = spdt("status", "--record", record, "--at", "2026-03-17T10:00:01Z", env=cli_env)
    assert (at_last.returncode, later.returncode) == (0, 0)
    assert f"{KEY}: Active (a valid event within the last 24 hours)" in at_last.stdout
    assert f"{KEY}: No recent activity" in later.stdout
    assert "  events: purchase 2, view 1; invalid 0" in at_last.stdout
    assert "  page hosts: shop.test" in at_last.stdout
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    nothing = spdt("status", "--record", str(empty), env=cli_env)
    assert nothing.returncode == 1
    assert "no pixel event recorded" in nothing.stdout


def test_status_and_attribute_against_a_running_mock(cli_env: dict[str, str]) -> None:
    with running_mock(env=cli_env) as mock, mock.client() as client:
        url = f"https://127.0.0.1:{mock.control_port}/__spdt/"  # as `mock` prints it
        if mock.control_token:
            url += f"?token={mock.control_token}"
        assert client.studio_campaign(id="live", name="Live").status == 201
        assert client.studio_exposure(campaign="live", kind="click", click_id="c-1").status == 201
        assert client.studio_advance("15d").status == 200
        events = [
            {"action": "purchase", "click_id": "c-1", "body": {"url": "https://a.test/t"}},
            {"action": "view", "body": {"url": "https://b.test/\u001b[31mred"}},
        ]
        answer = client.post(
            "https://pixels.spotify.com/v1/ingest",
            json={"batch": [{"pid": "YOUR_PIXEL_KEY", "events": events}]},
        )
        assert answer.status == 204
        status = spdt("status", "--mock", url, env=cli_env)
        attribution = spdt("attribute", "--mock", url, "--format", "json", env=cli_env)
    assert status.returncode == 1  # an invalid key
    assert "YOUR_PIXEL_KEY: Invalid key" in status.stdout
    assert "\u001b" not in status.stdout
    assert "page hosts: a.test, b.test" in status.stdout
    assert attribution.returncode == 0, attribution.stderr
    (answer_json,) = json.loads(attribution.stdout)["attributions"]
    assert (answer_json["as"], answer_json["reason"]) == ("none", "invalid")
