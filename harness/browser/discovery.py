"""Which Chromium to drive.

Order: an explicit path (argument, ``--browser`` option or ``SPDT_BROWSER``), then a Chromium
that Playwright installed itself, then a system Chromium or Chrome. Playwright cannot download its
browsers on every machine, so a system Chromium is a first-class choice, not a fallback hack.

A headless run prefers a system *headless shell* (Debian's ``chromium-headless-shell``): the
build Playwright itself runs headless by default. Measured here, a context and page cost about
0.13 s of CPU in it against about 0.43 s in the full Chromium (docs/browsers.md).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import BrowserNotFoundError

if TYPE_CHECKING:
    from playwright.sync_api import Playwright

ENV_VAR = "SPDT_BROWSER"

# Real binaries first: Debian's /usr/bin/chromium is a shell wrapper around /usr/lib/chromium.
SYSTEM_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "/usr/lib/chromium-browser/chromium-browser",
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/snap/bin/chromium",
    "/opt/google/chrome/chrome",
    "/usr/bin/google-chrome",
    "/usr/bin/google-chrome-stable",
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
# Headless shells: used first when the run is headless; a headed run never takes one.
HEADLESS_SHELL_CANDIDATES = (
    "/usr/lib/chromium/chromium-headless-shell",
    "/usr/bin/chromium-headless-shell",
)
PATH_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


@dataclass(frozen=True, slots=True)
class BrowserExecutable:
    """A browser to launch. ``path`` None means Playwright's own managed Chromium."""

    path: str | None
    source: str  # "explicit", "env", "playwright" or "system"

    def describe(self) -> str:
        where = self.path or "Playwright's managed Chromium"
        return f"{where} (from {self.source})"


def _playwright_managed(playwright: Playwright | None = None) -> str | None:
    """The executable of a Chromium installed by ``playwright install``, if it exists. Asked of
    ``playwright`` when the caller has one running; otherwise a Playwright driver is started
    for the question (a Node process: measured about 0.4 s of CPU)."""
    try:
        if playwright is not None:
            path = playwright.chromium.executable_path
        else:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                path = p.chromium.executable_path
    except Exception:
        return None
    return path if path and Path(path).is_file() else None


def _system(*, headless: bool) -> str | None:
    shells: tuple[str, ...] = HEADLESS_SHELL_CANDIDATES if headless else ()
    for candidate in (*shells, *SYSTEM_CANDIDATES):
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    for name in PATH_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def is_headless_shell(path: str | None) -> bool:
    """True for a headless-shell build (it cannot open a window)."""
    return path is not None and "headless" in Path(path).name


def find_browser(
    explicit: str | None = None,
    *,
    use_playwright: bool = True,
    headless: bool = True,
    playwright: Playwright | None = None,
) -> BrowserExecutable:
    """Return the browser to launch, or raise :class:`BrowserNotFoundError` saying what to do.
    ``headless`` False (a headed run) never picks a headless shell by discovery. A caller that
    has a Playwright running passes it as ``playwright`` (no second driver is started)."""
    for value, source in ((explicit, "explicit"), (os.environ.get(ENV_VAR), "env")):
        if value:
            path = shutil.which(value) or value
            if not (Path(path).is_file() and os.access(path, os.X_OK)):
                where = "--browser" if source == "explicit" else ENV_VAR
                raise BrowserNotFoundError(f"{where}={value!r} is not an executable file")
            return BrowserExecutable(path=path, source=source)
    if use_playwright:
        managed = _playwright_managed(playwright)
        if managed:
            return BrowserExecutable(path=managed, source="playwright")
    system = _system(headless=headless)
    if system:
        return BrowserExecutable(path=system, source="system")
    raise BrowserNotFoundError(
        "no Chromium found: run `make setup` (installs one), or `python -m playwright install "
        "chromium`, or install your distribution's chromium package, or point "
        f"{ENV_VAR} at a Chromium or Chrome executable"
    )
