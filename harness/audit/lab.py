"""The browser set-up of an audit: :class:`harness.lab.Harness`, with the resolver catch-all
switchable (sites on the internet resolve through the real DNS) and extra trusted certificates.

Whatever the site, every Spotify-owned name stays mapped to the mock (mock_endpoint/hosts.py):
an audit never sends a real event, not even a beacon on unload. With ``--script live`` only
``pixel.byspotify.com`` resolves for real, for the script download.
"""

from __future__ import annotations

from typing import Any

from harness.browser.launch import HostMap
from harness.lab import Harness

NOT_FOUND = "~NOTFOUND"


def guard_patterns(script: str) -> tuple[str, ...]:
    """Spotify names that must never resolve for real during an audit (the mock already maps
    them; this stays as a fail-closed default should a name leave the mock's map)."""
    patterns = ["*.spotify.com", "spotify.com", "*.pdst.fm", "pdst.fm"]
    patterns += ["*.podsights.com", "podsights.com"]
    if script != "live":  # live: pixel.byspotify.com resolves for real (the script only)
        patterns += ["*.byspotify.com", "byspotify.com"]
    return tuple(patterns)


class AuditHarness(Harness):
    def __init__(
        self,
        *,
        catch_all: bool = True,
        trust_spki: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._catch_all = catch_all
        self._trust_spki = trust_spki

    def host_map(self) -> HostMap:
        base = super().host_map()
        targets = dict(base.targets)
        for pattern in guard_patterns(self.script):
            targets.setdefault(pattern, NOT_FOUND)
        return HostMap(targets, catch_all=self._catch_all, passthrough=base.passthrough)

    def spki_hashes(self) -> list[str]:
        return [*super().spki_hashes(), *self._trust_spki]
