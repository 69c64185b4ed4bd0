"""The fixture-site catalogue as the harness sees it: every scenario checked against the
auditor's finding codes and the journey grammar.

``fixture_sites`` checks the file's structure and renders the sites; it knows nothing of rules or
journeys. Everything in the harness that reads scenarios (``spdt-harness e2e``, ``sites --list``,
the tests) loads them here, so a typo in a finding code or a flow step fails at load time.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from fixture_sites.catalogue import CatalogueChecks, Scenario, catalogue_text, pick
from fixture_sites.catalogue import parse_catalogue as _parse_structure
from fixture_sites.catalogue import parse_catalogue_text as _parse_structure_text
from harness.errors import FixtureSiteError, UsageError
from harness.flows.journey import Journey, parse_journey
from harness.rules import codes

# Every code a scenario may name in `findings` or `must_not`: the auditor's registered rules
# (``@rule`` in harness/rules/checks/).
KNOWN_FINDING_CODES: frozenset[str] = frozenset(codes())


def _check_flow(steps: list[dict[str, Any]], where: str) -> Journey:
    """The flow parsed (each scenario keeps it as ``parsed_flow``), or a FixtureSiteError."""
    try:
        return parse_journey(steps)
    except UsageError as exc:
        raise FixtureSiteError(f"{where}: {exc}") from exc


CHECKS = CatalogueChecks(known_codes=KNOWN_FINDING_CODES, check_flow=_check_flow)


def parse_catalogue(data: Any) -> dict[str, Scenario]:
    """The scenarios of a parsed catalogue mapping, with finding codes and flows checked."""
    return _parse_structure(data, CHECKS)


def parse_catalogue_text(text: str) -> dict[str, Scenario]:
    return _parse_structure_text(text, CHECKS)


@cache
def load_catalogue() -> dict[str, Scenario]:
    """The packaged catalogue, fully checked."""
    return parse_catalogue_text(catalogue_text())


def scenario(name: str) -> Scenario:
    return pick(load_catalogue(), name)


__all__ = [
    "CHECKS",
    "KNOWN_FINDING_CODES",
    "Scenario",
    "load_catalogue",
    "parse_catalogue",
    "parse_catalogue_text",
    "scenario",
]
