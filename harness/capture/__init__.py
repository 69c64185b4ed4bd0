"""Capture of pixel activity: the JS layer, the network layer and storage, as a Timeline."""

from harness.capture.recorder import Recorder
from harness.capture.timeline import Timeline

__all__ = ["Recorder", "Timeline"]
