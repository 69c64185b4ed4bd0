"""Run ``spdt-harness`` for a test and get what a process run gives: exit code, stdout, stderr.

A command whose environment is the test process's own (``cli_env``) runs in-process, in a
thread of its own, with ``sys.stdout``/``sys.stderr`` captured: the same ``main`` a user's
process runs, without paying the CLI's imports (Playwright, aiohttp, the auditor) again for every
call. Whatever the process itself is under test (the console entry point, signals, an
environment of its own, a browser abandoned past the deadline) runs as a real subprocess:
``spdt(..., process=True)``, or any call whose ``env`` differs from the test process's.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
import traceback

from harness.cli.leave import LeaveNow
from harness.cli.main import run

# Variables a process run sets for its own output only: they do not change what a command does.
PROCESS_ONLY = frozenset({"PYTHONUNBUFFERED"})

# One in-process command at a time (they share sys.stdout and sys.stderr).
_LOCK = threading.Lock()


def spdt(
    *args: str, env: dict[str, str], timeout: float = 60, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """``spdt-harness ARGS...`` with ``env``; its exit code, stdout and stderr (text)."""
    if process or not same_environment(env):
        return subprocess.run(
            [sys.executable, "-m", "harness.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
    return in_process(list(args), timeout)


def same_environment(env: dict[str, str]) -> bool:
    """Would a process started with ``env`` see what this one sees?"""

    def relevant(variables: dict[str, str] | os._Environ[str]) -> dict[str, str]:
        return {k: v for k, v in variables.items() if k not in PROCESS_ONLY}

    return relevant(env) == relevant(os.environ)


def in_process(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``harness.cli.main.run(args)`` in a new thread (Playwright's sync API must not share
    a thread with the test's own browser), mapping its end as a process would report it: the
    returned code; ``SystemExit``'s code; an uncaught exception's traceback on stderr and 1."""
    out, err = io.StringIO(), io.StringIO()
    result: list[int] = []

    def command() -> None:
        code: int
        try:
            code = run(args)
        except LeaveNow as leave:
            code = leave.exit_code
        except SystemExit as exc:
            if exc.code is None or isinstance(exc.code, int):
                code = exc.code or 0
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except BaseException:  # what the interpreter prints for an uncaught exception
            traceback.print_exc()
            code = 1
        result.append(code)

    with _LOCK, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        thread = threading.Thread(target=command, name="spdt-harness " + " ".join(args[:1]))
        thread.start()
        thread.join(timeout)
    if thread.is_alive():
        raise subprocess.TimeoutExpired(["spdt-harness", *args], timeout, out.getvalue())
    return subprocess.CompletedProcess(
        ["spdt-harness", *args], result[0], out.getvalue(), err.getvalue()
    )
