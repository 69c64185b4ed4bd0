"""What Ad Studio does after the pixel fires, answered from the mock's records: pixel status,
campaigns and exposures on a simulated clock, attribution, campaign stats and audiences.

Everything here depends only on :mod:`mock_endpoint.records` (and the stdlib/pyyaml), so the
mock serves it, the CLI prints it and tests call it directly. The rules and their sources are
in docs/studio.md.
"""

from __future__ import annotations

from mock_endpoint.studio.attribution import Attribution, attribute
from mock_endpoint.studio.campaigns import Campaign, Exposure, StudioError, load_studio_file
from mock_endpoint.studio.clock import SimClock, parse_duration
from mock_endpoint.studio.state import StudioState, studio_state
from mock_endpoint.studio.status import KeyStatus, pixel_status

__all__ = [
    "Attribution",
    "Campaign",
    "Exposure",
    "KeyStatus",
    "SimClock",
    "StudioError",
    "StudioState",
    "attribute",
    "load_studio_file",
    "parse_duration",
    "pixel_status",
    "studio_state",
]
