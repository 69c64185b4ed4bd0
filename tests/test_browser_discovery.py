from __future__ import annotations

from pathlib import Path

import pytest

from harness.browser import discovery, provision
from harness.browser.discovery import BrowserExecutable, find_browser
from harness.browser.launch import HostMap, launch_args, parse_host_mapping, resolver_rules
from harness.errors import BrowserNotFoundError, UsageError


def test_explicit_path_must_be_executable(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(BrowserNotFoundError, match=r"--browser='.*nope' is not an executable file"):
        find_browser(str(missing))


def test_env_var_wins_over_discovery(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("SPDT_BROWSER", str(fake))
    found = find_browser()
    assert (found.path, found.source) == (str(fake), "env")


def test_env_var_pointing_nowhere_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPDT_BROWSER", "/no/such/chromium")
    with pytest.raises(BrowserNotFoundError, match="SPDT_BROWSER='/no/such/chromium'"):
        find_browser()


def test_something_is_found_on_a_set_up_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPDT_BROWSER", raising=False)
    found = find_browser()
    assert found.source in {"playwright", "system"}
    assert found.path is not None
    assert Path(found.path).is_file()


def test_resolver_rules_end_with_a_catch_all() -> None:
    rules = resolver_rules(HostMap({"pixels.spotify.com": "127.0.0.1:4443"}))
    assert rules == (
        "MAP pixels.spotify.com 127.0.0.1:4443, MAP * ~NOTFOUND, "
        "EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]"
    )
    assert "~NOTFOUND" not in resolver_rules(HostMap({"a.test": "127.0.0.1:1"}, catch_all=False))
    # a passthrough name is excluded even without the catch-all (it beats *.byspotify.com)
    live = HostMap(
        {"*.byspotify.com": "127.0.0.1:1"}, catch_all=False, passthrough=("pixel.byspotify.com",)
    )
    assert resolver_rules(live) == "MAP *.byspotify.com 127.0.0.1:1, EXCLUDE pixel.byspotify.com"


def test_launch_args_add_only_our_flags() -> None:
    args = launch_args(HostMap({"a.test": "127.0.0.1:1"}), ["b", "a", "b"])
    assert [a.split("=")[0] for a in args] == [
        "--host-resolver-rules",
        "--ignore-certificate-errors-spki-list",
    ]
    assert args[1].endswith("=a,b")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("staging.example.com=127.0.0.1:8080", ("staging.example.com", "127.0.0.1:8080")),
        ("Shop.Test = 127.0.0.1", ("shop.test", "127.0.0.1")),
    ],
)
def test_parse_host_mapping(text: str, expected: tuple[str, str]) -> None:
    assert parse_host_mapping(text) == expected


@pytest.mark.parametrize("text", ["nohost", "=1.2.3.4", "a b=1", "x.test=1.2.3.4, MAP * y"])
def test_parse_host_mapping_rejects(text: str) -> None:
    with pytest.raises(UsageError):
        parse_host_mapping(text)


def _fake_browser(path: Path) -> str:
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_a_headless_run_prefers_a_headless_shell_and_a_headed_run_never_takes_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = _fake_browser(tmp_path / "chromium")
    shell = _fake_browser(tmp_path / "chromium-headless-shell")
    monkeypatch.delenv("SPDT_BROWSER", raising=False)
    monkeypatch.setattr(discovery, "SYSTEM_CANDIDATES", (full,))
    monkeypatch.setattr(discovery, "HEADLESS_SHELL_CANDIDATES", (shell,))
    assert find_browser(use_playwright=False).path == shell
    assert find_browser(use_playwright=False, headless=False).path == full
    assert discovery.is_headless_shell(shell)
    assert not discovery.is_headless_shell(full)
    # without a shell, a headless run takes the full Chromium
    monkeypatch.setattr(discovery, "HEADLESS_SHELL_CANDIDATES", (str(tmp_path / "absent"),))
    assert find_browser(use_playwright=False).path == full
    # an explicit choice is never replaced by a shell
    assert find_browser(full, use_playwright=False).path == full


def test_setup_tries_to_add_the_headless_shell_once_per_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    full = BrowserExecutable(path=_fake_browser(tmp_path / "chromium"), source="system")
    attempts: list[tuple[str, ...]] = []

    def failing_install(apt: str, *packages: str) -> bool:
        attempts.append(packages)
        return False

    monkeypatch.setattr(provision, "find_browser", lambda *a, **k: full)
    monkeypatch.setattr(provision, "_apt", lambda: "/usr/bin/apt-get")
    monkeypatch.setattr(provision, "_apt_install", failing_install)
    monkeypatch.setattr(provision, "NO_SHELL_MARK", tmp_path / "mark")
    assert provision.provision() == 0
    assert provision.provision() == 0  # the second setup does not ask apt again
    assert attempts == [("chromium-headless-shell",)]
    out = capsys.readouterr().out
    assert out.count("setup: no headless shell; headless runs use the full Chromium") == 1
    assert out.count(f"setup: browser {full.describe()}") == 2


@pytest.mark.parametrize(
    ("browser", "apt", "downloads", "installs"),
    [
        (False, True, False, True),  # a bare machine where apt-get may run: Debian's Chromium
        (True, True, False, False),  # a browser exists: nothing to do
        (False, True, True, False),  # Playwright's download is there (found once it is installed)
        (False, False, False, False),  # no apt-get, or not root: the full setup says what to do
    ],
    ids=["bare-machine", "browser-found", "playwright-download", "no-apt"],
)
def test_the_early_setup_step_installs_the_system_chromium_only_on_a_bare_machine(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    browser: bool,
    apt: bool,
    downloads: bool,
    installs: bool,
) -> None:
    found = BrowserExecutable(path=_fake_browser(tmp_path / "chromium"), source="system")

    def find(*_args: object, **_kwargs: object) -> BrowserExecutable:
        if not browser:
            raise BrowserNotFoundError("none")
        return found

    cache = tmp_path / "ms-playwright"
    (cache / ("chromium-1255" if downloads else "ffmpeg-1011")).mkdir(parents=True)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(cache))
    installed: list[str] = []
    monkeypatch.setattr(provision, "find_browser", find)
    monkeypatch.setattr(provision, "_apt", lambda: "/usr/bin/apt-get" if apt else None)
    monkeypatch.setattr(provision, "_install_system", installed.append)
    assert provision.provision_system() == 0
    assert installed == (["/usr/bin/apt-get"] if installs else [])


def test_provision_refuses_an_unknown_argument(capsys: pytest.CaptureFixture[str]) -> None:
    assert provision.main(["--system"]) == 2
    assert "usage: python -m harness.browser.provision [--system-only]" in capsys.readouterr().err
