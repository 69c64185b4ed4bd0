"""The soak suite (``make soak``): long, bounded runs on loopback only. Collected only when
SPDT_SOAK=1 (``make soak`` sets it), so ``make test`` stays fast."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if os.environ.get("SPDT_SOAK") != "1" and collection_path.name.startswith("test_"):
        return True
    return None
