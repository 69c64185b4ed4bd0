"""A view of a running mock that shows only what arrived after it was opened.

The pytest plugin's ``spdt_mock_view`` gives every test one, so a test reads its own hits without
resetting (and so disturbing) a mock that the whole session shares::

    view = MockView(mock)
    ...                       # the page sends hits
    view.events(name="purchase")
"""

from __future__ import annotations

from mock_endpoint.records import PixelEvent, Record
from mock_endpoint.server import MockEndpoint


class MockView:
    """What ``mock`` recorded after this view was opened: records, events and internal errors."""

    def __init__(self, mock: MockEndpoint) -> None:
        self.mock = mock
        self.after_id = mock.store.last_id()
        self._errors_before = len(mock.internal_errors)

    def records(self, session: str | None = None) -> list[Record]:
        return [
            r
            for r in self.mock.records(session)
            if r.id > self.after_id and (session is None or r.session == session)
        ]

    def events(self, session: str | None = None, name: str | None = None) -> list[PixelEvent]:
        return [
            e for r in self.records(session) for e in r.events if name is None or e.name == name
        ]

    def wait_for_event(
        self, name: str, *, session: str | None = None, timeout: float = 5.0
    ) -> PixelEvent | None:
        """The first ``name`` event (of ``session``) since the view opened, waiting up to
        ``timeout`` seconds for it; None if none arrives."""
        return self.mock.wait_for_event(
            name, session=session, timeout=timeout, after_id=self.after_id
        )

    @property
    def internal_errors(self) -> list[str]:
        """Unexpected exceptions the mock caught since the view opened (each one is a bug)."""
        errors = self.mock.internal_errors
        return errors[self._errors_before :] if len(errors) >= self._errors_before else errors
