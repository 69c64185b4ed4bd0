"""How a command asks its process to exit at once, without waiting for its threads."""

from __future__ import annotations


class LeaveNow(Exception):  # noqa: N818 - a request, not an error
    """The command is done (its report written) but a thread of it is stuck, e.g. a browser
    past the audit's deadline: the console entry point exits with ``exit_code`` at once instead
    of waiting for that thread. A caller running commands in-process gets the code back."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code
