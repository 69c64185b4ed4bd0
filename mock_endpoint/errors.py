"""The base of the product's one error hierarchy, in a leaf module that imports nothing.

Every error a user can cause or meet derives from :class:`HarnessError`. The mock and the fixture
sites raise these directly; :mod:`harness.errors` re-exports them (the very same classes) and adds
the errors only the harness raises (browser, navigation, failed expectations). The CLI prints
``ErrorType: message`` and exits with the error's ``exit_code`` (documented in docs/cli.md).
"""

from __future__ import annotations


class HarnessError(Exception):
    """Base of every error spdt-harness raises on purpose."""

    exit_code = 2


class UsageError(HarnessError):
    """The command line, a journey file or an option is wrong."""


class MockEndpointError(HarnessError):
    """The mock endpoint could not start or answer."""


class FixtureSiteError(HarnessError):
    """A fixture scenario is unknown or does not render."""
