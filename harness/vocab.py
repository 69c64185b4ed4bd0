"""The harness's own words, each defined once (a leaf module: imports nothing).

The words the mock shares (severities, record kinds, click id parameters) are in
:mod:`mock_endpoint.vocab`; why a page lacks an audit (``ProblemKind``) is in
:mod:`harness.audit.model`, next to the report that carries it.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# Which pixel script a page gets: the real ping.min.js (events still reach the local mock) or
# spdt-harness's emulator.
ScriptMode = Literal["emulated", "live"]
SCRIPT_MODES: Final[tuple[ScriptMode, ...]] = get_args(ScriptMode)

# The formats an audit report is written in (``audit --format``, ``report ... --format``).
OutputFormat = Literal["text", "json", "junit", "html", "sarif"]
OUTPUT_FORMATS: Final[tuple[OutputFormat, ...]] = get_args(OutputFormat)
