"""A mock certificate that outlives one run: made once in a folder, reused by every later run.

A browser whose flags are fixed when it starts (``playwright launch-server --config FILE``, a
Chromium behind ``--connect-cdp``) trusts the mock through one SPKI hash in those flags, so the
mock must present the same key run after run. :func:`load_or_create` keeps it in a folder:

- ``mock-key.pem``: the private key, mode 0600 (refused when group or others may read it);
- ``mock-cert.pem``: the leaf certificate and its issuing CA, naming every Spotify name and
  the host the browsers are told to reach the mock at (``--mock-advertise``);
- ``mock-ca.pem``: the CA certificate alone, for HTTP clients (``curl --cacert``). The CA's
  own key is never written: a new name means a new folder (and a new launch config).

Every problem is a :class:`~mock_endpoint.errors.UsageError` with one line that names the
folder (exit 2 on the command line).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from mock_endpoint.errors import UsageError
from mock_endpoint.tls import ServerCertificate, spki_of

if sys.platform != "win32":
    import fcntl

KEY_FILE = "mock-key.pem"
CERT_FILE = "mock-cert.pem"
CA_FILE = "mock-ca.pem"
FILES = (KEY_FILE, CERT_FILE, CA_FILE)
OPTION = "--mock-cert-dir"
_VALID_DAYS = 825  # the longest validity browsers accept for a leaf; the SPKI list skips it


def load_or_create(folder: str | Path, names: Iterable[str]) -> ServerCertificate:
    """The certificate in ``folder`` (made there first if the folder holds none), checked to
    name every one of ``names`` (host names, ``*.`` patterns, IP addresses)."""
    where = Path(folder).expanduser()
    wanted = tuple(dict.fromkeys(n.lower() for n in names if n))
    _ensure_folder(where)
    with _locked(where):
        present = [f for f in FILES if (where / f).exists()]
        if not present:
            _create(where, wanted)
        elif len(present) < len(FILES):
            missing = ", ".join(f for f in FILES if f not in present)
            raise UsageError(
                f"{OPTION} {where}: incomplete, {missing} missing; remove the folder's "
                f"{', '.join(present)} to make a new certificate (then generate the browsers' "
                "launch config again)"
            )
        return _load(where, wanted)


def _ensure_folder(where: Path) -> None:
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{OPTION} {where}: cannot create: {exc.strerror or exc}") from None
    if not where.is_dir():
        raise UsageError(f"{OPTION} {where}: not a folder")
    if not os.access(where, os.R_OK | os.X_OK):
        raise UsageError(f"{OPTION} {where}: cannot read the folder")


@contextlib.contextmanager
def _locked(where: Path) -> Iterator[None]:
    """Two runs starting at once on an empty folder make one certificate, not two."""
    if sys.platform == "win32":  # pragma: no cover - no flock there
        yield
        return
    try:
        handle = os.open(where / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a read-only folder: loading needs no lock
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def _create(where: Path, names: tuple[str, ...]) -> None:
    ca = trustme.CA(organization_name="spdt-harness mock CA")
    now = dt.datetime.now(dt.UTC)
    leaf = ca.issue_cert(
        *names,
        organization_name="spdt-harness mock",
        not_before=now - dt.timedelta(hours=1),
        not_after=now + dt.timedelta(days=_VALID_DAYS),
    )
    chain = b"".join(p.bytes() for p in leaf.cert_chain_pems)
    try:
        _write(where / KEY_FILE, leaf.private_key_pem.bytes(), 0o600)
        _write(where / CERT_FILE, chain, 0o644)
        _write(where / CA_FILE, ca.cert_pem.bytes(), 0o644)
    except OSError as exc:
        for name in FILES:
            with contextlib.suppress(OSError):
                (where / name).unlink()
        raise UsageError(f"{OPTION} {where}: cannot write: {exc.strerror or exc}") from None


def _write(path: Path, data: bytes, mode: int) -> None:
    """Written under a temporary name with its final mode from the start, then renamed."""
    temporary = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(temporary, mode)  # the umask may have narrowed it
    temporary.replace(path)


def _read(where: Path, name: str) -> bytes:
    try:
        return (where / name).read_bytes()
    except OSError as exc:
        raise UsageError(f"{OPTION} {where}: cannot read {name}: {exc.strerror or exc}") from None


def _load(where: Path, wanted: tuple[str, ...]) -> ServerCertificate:
    key_mode = stat.S_IMODE((where / KEY_FILE).stat().st_mode)
    if key_mode & 0o077:
        raise UsageError(
            f"{OPTION} {where}: {KEY_FILE} may be read by others (mode {key_mode:04o}); "
            f"`chmod 600 {where / KEY_FILE}`"
        )
    key_pem, chain_pem = _read(where, KEY_FILE), _read(where, CERT_FILE)
    chain = _certificates(where, CERT_FILE, chain_pem)
    if _certificates(where, CA_FILE, _read(where, CA_FILE))[0].subject != chain[0].issuer:
        raise UsageError(f"{OPTION} {where}: {CA_FILE} is not the CA that issued {CERT_FILE}")
    try:
        key: PrivateKeyTypes = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise UsageError(
            f"{OPTION} {where}: {KEY_FILE} is not an unencrypted PEM private key"
        ) from None
    leaf = chain[0]
    public = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, public) != leaf.public_key().public_bytes(der, public):
        raise UsageError(f"{OPTION} {where}: {KEY_FILE} is not the key of {CERT_FILE}")
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        raise UsageError(
            f"{OPTION} {where}: {CERT_FILE} is valid {leaf.not_valid_before_utc:%Y-%m-%d} to "
            f"{leaf.not_valid_after_utc:%Y-%m-%d}, not now; use a new folder"
        )
    named = _names(leaf)
    missing = [n for n in wanted if not _covers(named, n)]
    if missing:
        raise UsageError(
            f"{OPTION} {where}: {CERT_FILE} does not name {', '.join(missing)}; use another "
            "folder for this address (or remove this one's files), then generate the browsers' "
            "launch config again"
        )
    return ServerCertificate(
        hosts=tuple(sorted(named)),
        cert_pem=chain_pem,
        key_pem=key_pem,
        spki=spki_of(chain_pem),
        files=(str(where / CERT_FILE), str(where / KEY_FILE)),  # the key is never copied
    )


def _certificates(where: Path, name: str, pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise UsageError(f"{OPTION} {where}: {name} is not a PEM certificate") from None


def _names(cert: x509.Certificate) -> set[str]:
    try:
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    dns = {str(n).lower() for n in alt.get_values_for_type(x509.DNSName)}
    ips = {str(ip) for ip in alt.get_values_for_type(x509.IPAddress)}
    return dns | ips


def _covers(named: set[str], wanted: str) -> bool:
    """``wanted`` is named as such (a pattern by the same pattern), or an address by its IP."""
    if wanted in named:
        return True
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(wanted.strip("[]"))) in named
    return False
