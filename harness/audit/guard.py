"""The hostile-page guard: dialogs, popups and downloads of an audited page, handled at once
and noted (bounded) for the report, so that no page can stall the audit."""

from __future__ import annotations

import contextlib

from playwright.sync_api import BrowserContext, Dialog, Download, Page
from playwright.sync_api import Error as PlaywrightError

MAX_GUARD_ITEMS = 50


class Guard:
    """Keeps a hostile page from stalling the audit: dialogs dismissed (beforeunload accepted),
    popups closed, downloads refused (the context has ``accept_downloads=False``)."""

    def __init__(self, context: BrowserContext, main: Page) -> None:
        self.main = main
        self.dialogs: list[str] = []
        self.popups: list[str] = []
        self.downloads: list[str] = []
        self.dialog_count = 0
        self.popup_count = 0
        context.on("page", self._on_page)
        context.on("dialog", self._on_dialog)
        main.on("download", self._on_download)

    def _on_page(self, page: Page) -> None:
        if page is self.main:
            return
        self.popup_count += 1
        if len(self.popups) < MAX_GUARD_ITEMS:
            self.popups.append(f"popup opened ({page.url or 'about:blank'}), closed")
        with contextlib.suppress(PlaywrightError):
            page.close()

    def _on_dialog(self, dialog: Dialog) -> None:
        self.dialog_count += 1
        if len(self.dialogs) < MAX_GUARD_ITEMS:
            self.dialogs.append(f"{dialog.type} dialog: {dialog.message[:200]!r}, dismissed")
        with contextlib.suppress(PlaywrightError):
            if dialog.type == "beforeunload":
                dialog.accept()
            else:
                dialog.dismiss()

    def _on_download(self, download: Download) -> None:
        if len(self.downloads) < MAX_GUARD_ITEMS:
            self.downloads.append(f"download {download.suggested_filename[:200]!r} refused")
