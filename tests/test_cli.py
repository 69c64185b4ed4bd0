"""The CLI as users run it: a subprocess."""

from __future__ import annotations

import re
import signal
import subprocess
from pathlib import Path

import pytest

from mock_endpoint.persist import load_records
from tests import cli
from tests.mock_cli import running_mock

SUBCOMMANDS = ("mock", "sites", "serve", "e2e")


def spdt(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m harness.cli.main ARGS...`` in a process of its own (tests/cli.py)."""
    return cli.spdt(*args, env=env, process=True)


def test_help_lists_the_subcommands(cli_env: dict[str, str]) -> None:
    done = spdt("--help", env=cli_env)
    assert done.returncode == 0
    for name in SUBCOMMANDS:
        assert re.search(rf"^\s+{name}\s", done.stdout, re.M), name


def test_no_command_is_a_usage_error(cli_env: dict[str, str]) -> None:
    assert spdt(env=cli_env).returncode == 2


def test_unknown_scenario_is_a_one_line_usage_error(cli_env: dict[str, str]) -> None:
    done = spdt("e2e", "no-such-scenario", env=cli_env)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "UsageError: unknown scenario(s): no-such-scenario; see `spdt-harness sites --list`"
    )
    assert "Traceback" not in done.stderr


def test_click_id_storage_takes_live_or_guide(cli_env: dict[str, str]) -> None:
    for command in ("e2e", "audit"):
        done = spdt(command, "--click-id-storage", "cookie", env=cli_env)
        assert done.returncode == 2, command
        assert "--click-id-storage: invalid choice: 'cookie' (choose from 'live', 'guide')" in (
            done.stderr
        )
        assert "Traceback" not in done.stderr


def test_e2e_runs_a_scenario_in_guide_storage(cli_env: dict[str, str], tmp_path: Path) -> None:
    done = spdt(
        "e2e",
        "--click-id-params",
        "spclid",
        "--click-id-storage",
        "guide",
        "--output",
        str(tmp_path),
        "apex-to-www-cookie-scope",
        env=cli_env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS  apex-to-www-cookie-scope[spclid]" in done.stdout


def test_mock_prints_where_it_listens_and_stops_on_ctrl_c(cli_env: dict[str, str]) -> None:
    with running_mock(env=cli_env) as mock:
        assert mock.port > 0
    text = mock.banner
    assert mock.returncode == 0, mock.stderr
    assert f"MAP pixels.spotify.com 127.0.0.1:{mock.port}" in text
    assert "MAP * ~NOTFOUND" in text
    assert re.search(r"SPKI fingerprint\(s\): [A-Za-z0-9+/]{43}=", text)
    assert "stopping" in text
    assert "Traceback" not in mock.stderr


@pytest.mark.parametrize(
    ("stop", "sigint_ignored"),
    [(signal.SIGINT, True), (signal.SIGTERM, False)],
    ids=["ctrl-c-when-started-in-the-background", "sigterm"],
)
def test_mock_stops_cleanly_on_ctrl_c_or_sigterm_however_it_was_started(
    cli_env: dict[str, str], tmp_path: Path, stop: signal.Signals, sigint_ignored: bool
) -> None:
    """A mock started as ``cmd &`` by a CI script inherits SIGINT ignored, and a supervisor
    stops it with SIGTERM: either way it stops as on Ctrl-C, with its record file complete."""
    record = tmp_path / "hits.jsonl"
    with (
        running_mock(
            "--record", str(record), env=cli_env, stop=stop, sigint_ignored=sigint_ignored
        ) as mock,
        mock.client() as client,
    ):
        assert client.get("https://img.byspotify.com/?key=k&a=init").status == 200
    assert mock.returncode == 0, mock.stderr
    assert "stopping" in mock.banner
    assert "Traceback" not in mock.stderr
    assert [(r.kind, r.status) for r in load_records(record)] == [("image", 200)]


def test_sites_list_prints_one_scenario_a_line(cli_env: dict[str, str]) -> None:
    done = spdt("sites", "--list", env=cli_env)
    assert done.returncode == 0
    first = done.stdout.splitlines()[0].split("\t")
    assert first[:2] == ["shop-correct", "shop"]
