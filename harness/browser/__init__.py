"""Finding, provisioning and launching Chromium with the network pinned to loopback."""

from harness.browser.discovery import BrowserExecutable, find_browser
from harness.browser.launch import HostMap, launch_args, resolver_rules

__all__ = ["BrowserExecutable", "HostMap", "find_browser", "launch_args", "resolver_rules"]
