"""One error hierarchy for the whole product.

Every error a user can cause or meet derives from :class:`HarnessError`. The CLI prints
``ErrorType: message`` and exits with the error's ``exit_code`` (documented in docs/cli.md);
it never shows a traceback for these.

The base and the errors the mock and the fixture sites raise live in :mod:`mock_endpoint.errors`
(the bottom layer, so those parts need nothing from the harness); they are re-exported here as
the very same classes, so ``except harness.errors.UsageError`` catches the mock's too.
"""

from __future__ import annotations

from mock_endpoint.errors import FixtureSiteError, HarnessError, MockEndpointError, UsageError

__all__ = [
    "AssertionFailed",
    "BrowserLaunchError",
    "BrowserNotFoundError",
    "FixtureSiteError",
    "HarnessError",
    "MockEndpointError",
    "NavigationError",
    "UsageError",
]


class BrowserNotFoundError(HarnessError):
    """No Chromium could be found or installed."""


class BrowserLaunchError(HarnessError):
    """A Chromium was found but would not start."""


class NavigationError(HarnessError):
    """A page could not be reached: DNS, TLS, connection refused or timeout."""


class AssertionFailed(HarnessError, AssertionError):  # noqa: N818 - reads as a verdict, like pytest's Failed
    """A harness expectation was not met; the message lists the near misses."""

    exit_code = 1
