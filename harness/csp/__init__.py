"""Content Security Policy parsing and evaluation (CSP Level 3, the parts the pixel meets)."""

from harness.csp.policy import (
    FALLBACKS,
    Disposition,
    Policy,
    Verdict,
    allows,
    allows_inline_script,
    meta_policies,
    page_policies,
    parse_policies,
    parse_policy,
    source_matches,
)

__all__ = [
    "FALLBACKS",
    "Disposition",
    "Policy",
    "Verdict",
    "allows",
    "allows_inline_script",
    "meta_policies",
    "page_policies",
    "parse_policies",
    "parse_policy",
    "source_matches",
]
