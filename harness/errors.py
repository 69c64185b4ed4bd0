"""One error hierarchy for the whole product.

Every error a user can cause or meet derives from :class:`HarnessError`. The CLI prints
``ErrorType: message`` and exits with the error's ``exit_code`` (documented in docs/cli.md);
it never shows a traceback for these.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error spdt-harness raises on purpose."""

    exit_code = 2


class UsageError(HarnessError):
    """The command line, a journey file or an option is wrong."""


class BrowserNotFoundError(HarnessError):
    """No Chromium could be found or installed."""


class BrowserLaunchError(HarnessError):
    """A Chromium was found but would not start."""


class MockEndpointError(HarnessError):
    """The mock endpoint could not start or answer."""


class FixtureSiteError(HarnessError):
    """A fixture scenario is unknown or does not render."""


class NavigationError(HarnessError):
    """A page could not be reached: DNS, TLS, connection refused or timeout."""


class AssertionFailed(HarnessError, AssertionError):  # noqa: N818 - reads as a verdict, like pytest's Failed
    """A harness expectation was not met; the message lists the near misses."""

    exit_code = 1
