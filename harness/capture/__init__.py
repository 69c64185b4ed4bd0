"""Capture of pixel activity: the JS layer, the network layer and storage, as a Timeline.

Lazy: ``harness.capture.timeline`` (the records a saved report holds) loads no Playwright; the
recorder, which drives the browser, is imported on first use of ``Recorder``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.capture.recorder import Recorder
    from harness.capture.timeline import Timeline

_HOMES = {"Recorder": "harness.capture.recorder", "Timeline": "harness.capture.timeline"}

__all__ = ["Recorder", "Timeline"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'harness.capture' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
