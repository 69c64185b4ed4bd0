"""What went wrong when a page was opened, as a report ``Problem``: a navigation failure in one
line (timeout, download, DNS, TLS), a failed journey step, an HTTP error status, and a live
ping.min.js this machine could not reach (an environment problem, not a site defect)."""

from __future__ import annotations

from harness.audit.model import Problem
from harness.capture.timeline import Timeline
from harness.rules import RuleConfig

# Failures of the live ping.min.js that say "this machine cannot reach it", not "the site broke it".
ENVIRONMENT_FAILURES = (
    "ERR_NAME_NOT_RESOLVED",
    "ERR_NAME_RESOLUTION_FAILED",
    "ERR_INTERNET_DISCONNECTED",
    "ERR_CONNECTION_REFUSED",
    "ERR_CONNECTION_RESET",
    "ERR_CONNECTION_CLOSED",
    "ERR_CONNECTION_TIMED_OUT",
    "ERR_TIMED_OUT",
    "ERR_ADDRESS_UNREACHABLE",
    "ERR_NETWORK_ACCESS_DENIED",
    "ERR_PROXY_CONNECTION_FAILED",
    "ERR_CERT_",
    "ERR_SSL_",
)


def classify(message: str) -> Problem:
    """A navigation failure as a report problem, in one line."""
    line = message.strip().splitlines()[0] if message.strip() else "navigation failed"
    if "Timeout" in line and "exceeded" in line:
        return Problem("timeout", line)
    if "Download is starting" in line:
        return Problem("navigation", f"{line} (the URL is a download; downloads are refused)")
    if "ERR_NAME_NOT_RESOLVED" in line:
        return Problem("navigation", f"{line} (DNS: the host name does not resolve)")
    if "ERR_CERT" in line or "ERR_SSL" in line:
        return Problem(
            "navigation",
            f"{line} (TLS: the certificate is not trusted; see --trust-spki or --insecure)",
        )
    return Problem("navigation", line)


def journey_problem(first: str) -> Problem:
    """The problem of a journey from its first failed step (``"goto …: why"``): a landing or
    page that did not open is a navigation failure, any other step a journey failure."""
    if first.split(" ", 1)[0] in ("land", "goto"):
        return classify(first)
    return Problem("journey", f"journey step failed: {first}")


def status_problem(url: str, status: int | None) -> Problem | None:
    """An HTTP error status of the last page, or None."""
    if status is not None and status >= 400:
        return Problem("navigation", f"{url} answered HTTP {status}")
    return None


def environment_problem(timeline: Timeline, config: RuleConfig) -> Problem | None:
    """The live ping.min.js failed to load for a reason of this machine (DNS, no route, TLS);
    only meaningful when the audit uses the live script."""
    for event in timeline.network:
        if not event.failure or config.script_file not in event.url:
            continue
        if config.script_hosts[0] not in event.url:
            continue
        if any(code in event.failure for code in ENVIRONMENT_FAILURES):
            return Problem(
                "environment",
                f"the live {config.script_url} could not be loaded from this machine "
                f"({event.failure}); this is an environment problem, not a site defect; "
                "re-run with --script emulated",
            )
    return None
