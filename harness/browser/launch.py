"""Chromium command-line flags that pin a browser's network to our local servers.

``--host-resolver-rules`` maps each Spotify and fixture host name to a loopback port, and a
catch-all (``MAP * ~NOTFOUND``) makes every other name fail to resolve, so nothing unmapped leaves
the machine: not a request, not a beacon sent while a page unloads (Playwright's ``route()`` never
sees those). ``--ignore-certificate-errors-spki-list`` trusts exactly our generated leaf
certificates, nothing else. Playwright already passes the usual automation flags
(``--disable-background-networking``, ``--no-first-run`` ...); we do not repeat them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.errors import UsageError

LOOPBACK_EXCLUDES = ("localhost", "127.0.0.1", "[::1]")
_HOST_RE = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


@dataclass(frozen=True, slots=True)
class HostMap:
    """Host name → ``address:port`` for the browser's resolver.

    ``catch_all`` True makes every unmapped name (but loopback and ``passthrough``)
    unresolvable. ``passthrough`` names resolve through the real DNS (e.g. the live
    ``pixel.byspotify.com`` for ``--script live``, or the site being audited).
    """

    targets: Mapping[str, str] = field(default_factory=dict)
    catch_all: bool = True
    passthrough: tuple[str, ...] = ()


def parse_host_mapping(text: str) -> tuple[str, str]:
    """Parse ``host=address[:port]`` (e.g. ``staging.example.com=127.0.0.1:8080``)."""
    host, sep, target = text.partition("=")
    host = host.strip().lower()
    target = target.strip()
    if not sep or not host or not target:
        raise UsageError(f"host mapping {text!r} is not HOST=ADDRESS[:PORT]")
    if not _HOST_RE.match(host):
        raise UsageError(f"host mapping {text!r}: {host!r} is not a host name")
    if any(c in target for c in " ,"):
        raise UsageError(f"host mapping {text!r}: {target!r} is not ADDRESS[:PORT]")
    return host, target


def resolver_rules(host_map: HostMap) -> str:
    rules = [f"MAP {host} {target}" for host, target in host_map.targets.items()]
    if host_map.catch_all:
        rules.append("MAP * ~NOTFOUND")
        rules.extend(f"EXCLUDE {host}" for host in LOOPBACK_EXCLUDES)
    # An EXCLUDE beats every MAP (measured in Chromium): a passthrough name such as the live
    # pixel.byspotify.com resolves for real although *.byspotify.com is mapped to the mock.
    rules.extend(f"EXCLUDE {host}" for host in host_map.passthrough)
    return ", ".join(rules)


def launch_args(host_map: HostMap, spki_hashes: Iterable[str] = ()) -> list[str]:
    """The flags we add to Playwright's own."""
    args = [f"--host-resolver-rules={resolver_rules(host_map)}"]
    spki = sorted(set(spki_hashes))
    if spki:
        args.append(f"--ignore-certificate-errors-spki-list={','.join(spki)}")
    return args
