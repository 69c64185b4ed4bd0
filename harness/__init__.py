"""spdt-harness: prove that a site's Spotify pixel is installed correctly, in a real browser.

The package root is lazy: ``import harness.errors`` (or any leaf module) loads neither Playwright
nor aiohttp. The public names below are imported on first use::

    from harness import Harness          # loads Playwright, the mock and the capture layer
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
