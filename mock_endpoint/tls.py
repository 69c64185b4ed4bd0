"""Certificates for the fake host names, from one ``trustme`` CA per process.

A browser trusts a leaf through ``--ignore-certificate-errors-spki-list`` with the base64 SHA-256
of the leaf's SubjectPublicKeyInfo (its "SPKI fingerprint"); Python clients trust the CA itself.
"""

from __future__ import annotations

import base64
import hashlib
import ssl
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization


@dataclass(frozen=True, slots=True)
class ServerCertificate:
    hosts: tuple[str, ...]
    cert_pem: bytes
    key_pem: bytes
    spki: str  # base64(sha256(SubjectPublicKeyInfo)), the form Chromium expects
    # (certificate file, key file) when the pair already lives in files (mock_endpoint/cert_dir.py)
    files: tuple[str, str] | None = None

    def server_context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        # ssl needs files; write them under a private temp dir once (unless they are files).
        cert_file, key_file = self.files or _materialise(self)
        ctx.load_cert_chain(cert_file, key_file)
        return ctx


@cache
def _ca() -> trustme.CA:
    return trustme.CA(organization_name="spdt-harness local CA")


def ca_pem() -> bytes:
    """The CA certificate, for Python clients (``ssl_context_for_clients``)."""
    return bytes(_ca().cert_pem.bytes())


def client_context() -> ssl.SSLContext:
    """An SSL context that trusts our CA (for HTTP clients talking to the mock)."""
    ctx = ssl.create_default_context()
    _ca().configure_trust(ctx)
    return ctx


def spki_of(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    der = cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


@cache
def issue(hosts: tuple[str, ...]) -> ServerCertificate:
    """A leaf certificate for ``hosts`` (cached: the same hosts get the same certificate)."""
    leaf = _ca().issue_cert(*hosts)
    cert_pem = leaf.cert_chain_pems[0].bytes()
    return ServerCertificate(
        hosts=hosts,
        cert_pem=b"".join(p.bytes() for p in leaf.cert_chain_pems),
        key_pem=leaf.private_key_pem.bytes(),
        spki=spki_of(cert_pem),
    )


@cache
def _materialise(cert: ServerCertificate) -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="spdt-tls-"))
    cert_file = folder / "cert.pem"
    key_file = folder / "key.pem"
    cert_file.write_bytes(cert.cert_pem)
    key_file.write_bytes(cert.key_pem)
    key_file.chmod(0o600)
    return str(cert_file), str(key_file)
