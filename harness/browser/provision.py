"""``python -m harness.browser.provision``: make sure a Chromium exists (used by ``make setup``).

1. Any browser :func:`find_browser` already finds is enough.
2. Else ``python -m playwright install chromium``.
3. Else, as root with apt-get, Debian's ``chromium`` package.
4. Else one clear message saying what to install, and exit status 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from harness.browser.discovery import find_browser
from harness.errors import BrowserNotFoundError


def _run(argv: list[str], env: dict[str, str] | None = None) -> bool:
    print(f"setup: {' '.join(argv)}", flush=True)
    try:
        done = subprocess.run(argv, env=env, check=False, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f"setup: {exc}", flush=True)
        return False
    return done.returncode == 0


def provision() -> int:
    try:
        found = find_browser()
    except BrowserNotFoundError:
        pass
    else:
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
    apt = shutil.which("apt-get")
    if apt and hasattr(os, "geteuid") and os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        _run([apt, "update", "-qq"], env)
        _run([apt, "install", "-y", "-qq", "chromium"], env)
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


if __name__ == "__main__":
    sys.exit(provision())
