"""spdt-harness: prove that a site's Spotify pixel is installed correctly, in a real browser.

The package root is lazy: ``import harness.errors`` (or any leaf module) loads neither Playwright
nor aiohttp. The public names below are imported on first use::

    from harness import Harness          # loads Playwright, the mock and the capture layer
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.lazy import lazy_exports

if TYPE_CHECKING:
    from harness.context import Landing, PixelContext
    from harness.errors import AssertionFailed, HarnessError
    from harness.lab import Harness

__all__ = ["AssertionFailed", "Harness", "HarnessError", "Landing", "PixelContext"]
__version__ = "0.1.0"

_HOMES = {
    "AssertionFailed": "harness.errors",
    "HarnessError": "harness.errors",
    "Harness": "harness.lab",
    "Landing": "harness.context",
    "PixelContext": "harness.context",
}

__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
