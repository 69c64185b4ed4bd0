"""Expectations on what a page sent: usable from pytest and from plain Python."""

from harness.assertions.matching import EventMatcher, near_miss_report

__all__ = ["EventMatcher", "near_miss_report"]
