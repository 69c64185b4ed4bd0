"""The finding codes issue #5 requires, as the issue's table lists them (a spec, kept by hand)."""

ISSUE_5_CODES: tuple[str, ...] = (
    "PIXEL_NOT_FOUND",
    "SCRIPT_NOT_LOADED",
    "BASE_CODE_BROKEN",
    "DUPLICATE_BASE_CODE",
    "MISSING_CONF",
    "EVENT_BEFORE_CONF",
    "MULTIPLE_PIXEL_KEYS",
    "INVALID_PIXEL_KEY",
    "UNFILLED_PLACEHOLDER",
    "UNKNOWN_EVENT",
    "DUPLICATE_EVENT",
    "MISSING_CURRENCY",
    "MISSING_VALUE",
    "INVALID_CURRENCY",
    "INVALID_VALUE",
    "INVALID_PARAMETER",
    "MISSING_ORDER_ID",
    "EVENT_NOT_FIRED",
    "EVENT_NOT_DELIVERED",
    "CLICK_ID_NOT_PERSISTED",
    "CLICK_ID_DROPPED_BY_REDIRECT",
    "CLICK_ID_COOKIE_SCOPE",
    "CSP_BLOCKS_SCRIPT",
    "CSP_BLOCKS_EVENTS",
    "CSP_BLOCKS_IMAGE",
    "CSP_REPORT_ONLY_WOULD_BLOCK",
    "NOSCRIPT_MISSING",
    "NOSCRIPT_KEY_MISMATCH",
    "PIXEL_BEFORE_CONSENT",
)

# Codes added after issue 5's table (appended; each with its severity).
LATER_CODES: dict[str, str] = {
    "EVIDENCE_TAMPERING": "error",
}
