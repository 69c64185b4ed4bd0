"""``python -m harness.browser.provision``: make sure a Chromium exists (used by ``make setup``).

1. Any browser :func:`find_browser` already finds is enough. When that is a full system
   Chromium and apt-get can run (as root), Debian's ``chromium-headless-shell`` is added too: the
   lighter build headless runs prefer (docs/browsers.md); without it everything still works.
2. Else ``python -m playwright install chromium``.
3. Else, as root with apt-get, Debian's ``chromium`` and ``chromium-headless-shell`` packages
   (``chromium`` alone where the shell is not packaged).
4. Else one clear message saying what to install, and exit status 1.

``--system-only`` is step 3 alone, taken only when no browser exists at all (none found, no
Playwright download in its cache folder); it needs none of the package's dependencies, so
``make setup`` runs it beside ``pip install`` and the full run after finds what it installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from harness.browser.discovery import find_browser, is_headless_shell
from harness.errors import BrowserNotFoundError

# Written when the headless shell could not be installed, so that setup does not try again on
# every run (delete it to retry); in the environment (venv) that runs the setup.
NO_SHELL_MARK = Path(sys.prefix) / ".spdt-no-headless-shell"


def _run(argv: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"setup: {' '.join(argv)}", flush=True)
    try:
        done = subprocess.run(argv, env=env, check=False, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"setup: {exc}", flush=True)
        return False
    return done.returncode == 0


def _apt() -> str | None:
    """apt-get, when this process may install packages with it (root)."""
    apt = shutil.which("apt-get")
    return apt if apt and hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _apt_install(apt: str, *packages: str) -> bool:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return _run([apt, "install", "-y", "-qq", *packages], env) or (
        _run([apt, "update", "-qq"], env) and _run([apt, "install", "-y", "-qq", *packages], env)
    )


def _playwright_downloads() -> bool:
    """Does Playwright's cache folder hold a Chromium download? (Asked without Playwright, which
    may not be installed yet: its default folder, or PLAYWRIGHT_BROWSERS_PATH.)"""
    folder = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache/ms-playwright")
    try:
        return any(p.name.startswith("chromium") for p in Path(folder).iterdir())
    except OSError:
        return False


def _install_system(apt: str) -> None:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    _run([apt, "update", "-qq"], env)
    _run([apt, "install", "-y", "-qq", "chromium", "chromium-headless-shell"], env) or _run(
        [apt, "install", "-y", "-qq", "chromium"], env
    )


def provision_system() -> int:
    """Debian's Chromium when this machine has no browser at all and apt-get may run; else
    nothing (the full :func:`provision` decides). Always 0: the full run reports failures."""
    try:
        find_browser(use_playwright=False)
    except BrowserNotFoundError:
        apt = _apt()
        if apt and not _playwright_downloads():
            _install_system(apt)
    return 0


def provision() -> int:
    try:
        found = find_browser()
    except BrowserNotFoundError:
        pass
    else:
        apt = _apt()
        tried = NO_SHELL_MARK.exists()  # once per environment: setup runs before every make test
        if found.source == "system" and not is_headless_shell(found.path) and apt and not tried:
            if _apt_install(apt, "chromium-headless-shell"):
                found = find_browser()
            else:
                NO_SHELL_MARK.touch()
                print("setup: no headless shell; headless runs use the full Chromium", flush=True)
        print(f"setup: browser {found.describe()}")
        return 0
    if _run([sys.executable, "-m", "playwright", "install", "chromium"]):
        try:
            found = find_browser()
        except BrowserNotFoundError:
            pass
        else:
            print(f"setup: browser {found.describe()}")
            return 0
    apt = _apt()
    if apt:
        _install_system(apt)
        try:
            found = find_browser(use_playwright=False)
        except BrowserNotFoundError:
            pass
        else:
            print(f"setup: browser {found.describe()}")
            return 0
    print(
        "setup: no Chromium available. Install one of: Debian/Ubuntu `sudo apt-get install "
        "chromium`, or `python -m playwright install chromium` where downloads work, or set "
        "SPDT_BROWSER=/path/to/chrome.",
        file=sys.stderr,
    )
    return 1


def main(argv: list[str]) -> int:
    if argv not in ([], ["--system-only"]):
        print("usage: python -m harness.browser.provision [--system-only]", file=sys.stderr)
        return 2
    return provision_system() if argv else provision()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
