"""What an audit was asked to do (the command line, as one frozen value)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.audit.journeys import JourneyFile
from harness.audit.shard import Shard
from mock_endpoint.vocab import DEFAULT_CLICK_ID_PARAM

DEFAULT_PAGE_TIMEOUT = 30.0
DEFAULT_TIMEOUT = 900.0
DEFAULT_WORKERS = 2
# Pages each worker keeps in flight: its browser loads one while another waits out its quiet
# period (harness/browser/interleave.py). Opt-in: pages in flight share their worker's thread
# and Playwright driver, and a page flooding the capture with calls was seen to make the page
# beside it time out (docs/audit.md), so the default audits one page after another.
DEFAULT_PAGES_PER_WORKER = 1
DEFAULT_QUIET = 0.3
DEFAULT_SETTLE_MAX = 5.0


@dataclass(frozen=True, slots=True)
class AuditOptions:
    urls: tuple[str, ...] = ()
    journeys: tuple[JourneyFile, ...] = ()
    click_id_param: str = DEFAULT_CLICK_ID_PARAM
    click_id_storage: str = "live"  # the emulated pixel's: live (sessionStorage) or guide (cookie)
    click_id: str | None = None  # None: a fresh one per page
    no_click_id: bool = False
    script: str = "live"
    crawl: int = 0  # 0: only the URLs given; N: breadth-first up to N pages
    shard: Shard | None = None
    host_map: dict[str, str] = field(default_factory=dict)
    trust_spki: tuple[str, ...] = ()
    insecure: bool = False
    offline: bool = False
    page_timeout: float = DEFAULT_PAGE_TIMEOUT
    quiet: float = DEFAULT_QUIET  # the quiet period of a settle (harness/capture/settle.py)
    settle_max: float = DEFAULT_SETTLE_MAX  # the longest a settle waits while a reason holds
    timeout: float = DEFAULT_TIMEOUT
    browser: str | None = None
    workers: int = DEFAULT_WORKERS
    pages_per_worker: int = DEFAULT_PAGES_PER_WORKER
    screenshots: bool = False  # the CLI turns them on for --format html or --screenshots
    noscript: bool = True
    redact: bool = True
    headed: bool = False
    # Faults the audit's mock injects per Spotify host ("pixels.spotify.com:5xx:503"), to see
    # what the site and the pixel do when Spotify is slow or down (mock_endpoint/faults.py).
    faults: tuple[str, ...] = ()
    # How the consent step of each journey runs: accept, reject, none, revoke (None: as written);
    # consent_matrix: all four, one report entry each (harness/audit/consent_matrix.py).
    consent: str | None = None
    consent_matrix: bool = False
    # Browsers elsewhere: Playwright browser servers (worker i uses connect[i % n]) or one
    # DevTools endpoint; the mock's listen and advertised addresses (docs/network.md).
    connect: tuple[str, ...] = ()
    connect_cdp: str | None = None
    mock_listen: str | None = None
    mock_advertise: str | None = None
    # Keep the mock's certificate in this folder across runs (browsers with fixed flags).
    mock_cert_dir: str | None = None

    def to_json(self) -> dict[str, Any]:
        """For the report: what was asked, never a raw click id or certificate hash."""
        return {
            "urls": list(self.urls),
            "journeys": [j.name for j in self.journeys],
            "click_id_param": self.click_id_param,
            "click_id_storage": self.click_id_storage,
            "click_id": "none" if self.no_click_id else ("given" if self.click_id else "generated"),
            "script": self.script,
            "crawl": self.crawl,
            "shard": str(self.shard) if self.shard else None,
            "map": dict(self.host_map),
            "trusted_certificates": len(self.trust_spki),
            "insecure": self.insecure,
            "offline": self.offline,
            "faults": list(self.faults),
            "consent": "matrix" if self.consent_matrix else self.consent,
            "page_timeout": self.page_timeout,
            "quiet": self.quiet,
            "settle_max": self.settle_max,
            "timeout": self.timeout,
            "workers": self.workers,
            "pages_per_worker": self.pages_per_worker,
            "screenshots": self.screenshots,
            "noscript": self.noscript,
            "redact": self.redact,
            "browser_servers": len(self.connect) + (1 if self.connect_cdp else 0),
            "persistent_mock_certificate": self.mock_cert_dir is not None,
        }
