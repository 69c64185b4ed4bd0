"""Jinja-rendered fixture sites: correct and deliberately broken Spotify pixel installs."""

from fixture_sites.catalogue import Scenario, load_catalogue, scenario
from fixture_sites.server import FixtureServer

__all__ = ["FixtureServer", "Scenario", "load_catalogue", "scenario"]
