"""The package as a user installs it: a wheel in a fresh virtual environment, in a folder with no
checkout beside it. Templates, the catalogue, the emulated script, the capture script and the
report templates must all be package data; the CLI and the pytest plugin must work from there."""

from __future__ import annotations

import fcntl
import json
import os
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]

USER_TEST = """
import pytest


@pytest.mark.spdt(sites=True)  # the package's demo shop
def test_view_arrives(spdt_context):
    spdt_context.land("https://shop.test/shop-correct/landing", click_id="wheel-1")
    spdt_context.expect_event("view", click_id="wheel-1")
"""


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(bin folder of a fresh venv holding only the built wheel and its dependencies, an empty
    working folder). Built once per session: under pytest-xdist the first worker to ask builds
    it in the folder all workers share, behind a lock, and the others wait for it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "wheel-venv"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / "built").exists():
                _build(root)
                (root / "built").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    work = tmp_path_factory.mktemp("work")
    return root / "venv" / "bin", work


def _build(root: Path) -> None:
    dist = root / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(REPO)],
        check=True,
        capture_output=True,
    )
    wheels = list(dist.glob("spdt_harness-*.whl"))
    assert len(wheels) == 1, wheels
    venv = root / "venv"
    # No pip of its own: this process's pip installs into it (``--python``), which saves
    # bootstrapping one (about 10 s of the 17 s it took here); what lands in it is the same.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            str(wheels[0]),
        ],
        check=True,
        capture_output=True,
    )


def _env(work: Path) -> dict[str, str]:
    """The machine's environment without anything that would find this checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["HOME"] = os.environ.get("HOME", str(work))
    return env


def _run(
    bin_dir: Path, work: Path, *argv: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / argv[0]), *argv[1:]],
        cwd=work,
        env=_env(work),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextmanager
def _serving(bin_dir: Path, work: Path, *argv: str) -> Iterator[str]:
    """Start a long-running command, yield what it printed up to "Ctrl-C stops.", then SIGINT."""
    proc = subprocess.Popen(
        [str(bin_dir / argv[0]), *argv[1:]],
        cwd=work,
        env=_env(work),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None
    assert stderr is not None
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stdout:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    banner = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "Ctrl-C stops." not in banner:
        try:
            banner += lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
    try:
        assert "Ctrl-C stops." in banner, banner + (stderr.read() if proc.poll() else "")
        yield banner
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        stdout.close()
        stderr.close()


def test_the_installed_package_does_not_import_from_the_checkout(
    installed: tuple[Path, Path],
) -> None:
    bin_dir, work = installed
    done = _run(
        bin_dir, work, "python", "-c", "import harness, fixture_sites; print(harness.__file__)"
    )
    assert done.returncode == 0, done.stderr
    assert str(REPO) not in done.stdout
    assert "site-packages" in done.stdout


def test_e2e_runs_a_scenario_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    done = _run(bin_dir, work, "spdt-harness", "e2e", "shop-correct", "currency-symbol")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b2 passed\b|\b4 passed\b", done.stdout), done.stdout


def test_audit_with_the_emulated_script_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    with _serving(bin_dir, work, "spdt-harness", "sites", "--port", "0") as banner:
        port = re.search(r"listening on https://127\.0\.0\.1:(\d+)", banner)
        spki = re.search(r"SPKI fingerprint\(s\): (\S+)", banner)
        assert port, banner
        assert spki, banner
        common = [
            "--map",
            f"shop.test=127.0.0.1:{port[1]}",
            "--trust-spki",
            spki[1],
            "--offline",
            "--script",
            "emulated",
            "--format",
            "json",
        ]
        good = _run(
            bin_dir,
            work,
            "spdt-harness",
            "audit",
            "https://shop.test/shop-correct/landing",
            *common,
        )
        bad = _run(
            bin_dir,
            work,
            "spdt-harness",
            "audit",
            "https://shop.test/currency-symbol/thanks",
            *common,
        )
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)["pages"][0]["findings"] == []
    assert bad.returncode == 1, bad.stderr
    codes = {f["code"] for f in json.loads(bad.stdout)["pages"][0]["findings"]}
    assert "INVALID_CURRENCY" in codes


def test_serve_answers_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    with _serving(
        bin_dir, work, "spdt-harness", "serve", "--port", "0", "--sites-port", "0"
    ) as banner:
        control = re.search(r"control API (https?://\S+?)\)", banner)
        assert control, banner
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with urllib.request.urlopen(control[1], context=ctx, timeout=10) as answer:
            assert answer.status == 200


def test_pytest_plugin_from_the_wheel(installed: tuple[Path, Path]) -> None:
    bin_dir, work = installed
    (work / "test_user_site.py").write_text(USER_TEST)
    done = _run(bin_dir, work, "pytest", "-q", "-p", "no:cacheprovider", "test_user_site.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
