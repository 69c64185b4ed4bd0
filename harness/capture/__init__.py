"""Capture of pixel activity: the JS layer, the network layer and storage, as a Timeline.

Lazy: ``harness.capture.timeline`` (the records a saved report holds) loads no Playwright; the
recorder, which drives the browser, is imported on first use of ``Recorder``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.lazy import lazy_exports

if TYPE_CHECKING:
    from harness.capture.recorder import Recorder
    from harness.capture.timeline import Timeline

_HOMES = {"Recorder": "harness.capture.recorder", "Timeline": "harness.capture.timeline"}

__all__ = ["Recorder", "Timeline"]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())
