"""A local HTTPS endpoint standing in for CloudFormation's pre-signed response URL."""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import json
import shutil
import socket
import ssl
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

__all__ = ["CapturedResponse", "ResponseServer", "ResponseServerError"]

_MAX_BODY = 1_048_576


class ResponseServerError(RuntimeError):
    """The response server could not start, or was used while stopped."""


@dataclass(frozen=True)
class CapturedResponse:
    """One PUT received at the response URL.

    Attributes
    ----------
    path:
        URL path without the query (``/<stack>/<request-id>``).
    body:
        The JSON body decoded (``{}`` if it was not a JSON object; ``text`` keeps the raw text).
    text:
        The raw body.
    size:
        Body size in bytes (CloudFormation refuses more than 4096).
    received_at:
        Time the body arrived, read from the shared clock.
    headers:
        Request headers, lower-cased names.
    """

    path: str
    body: dict[str, Any]
    text: str
    size: int
    received_at: float
    headers: dict[str, str] = field(default_factory=dict)


_PEM_CACHE: dict[str, tuple[bytes, bytes, bytes]] = {}


def _make_certificates(directory: Path) -> tuple[Path, Path, Path]:
    """Write a throw-away CA, and a server certificate for IP 127.0.0.1 signed by it.

    The PEM bytes are made once per process (valid two days; a test process lives minutes) and
    written into each server's own directory, so every server still has its own files.
    """
    pems = _PEM_CACHE.get("pems")
    if pems is None:
        pems = _PEM_CACHE.setdefault("pems", _make_pems())
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    for path, pem in zip(paths, pems, strict=True):
        path.write_bytes(pem)
    return paths


def _make_pems() -> tuple[bytes, bytes, bytes]:
    """The CA certificate, the server certificate and its key, PEM-encoded."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)
    not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=2)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sagemaker-rollout test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return (
        ca_cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.PEM),
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer
    protocol_version = "HTTP/1.0"  # one request per connection: threads end promptly

    def do_PUT(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        if length > _MAX_BODY:
            self.send_error(413, "Request entity too large")
            return
        raw = self.rfile.read(length) if length else b""
        self.server.owner._record(self.path, raw, {k.lower(): v for k, v in self.headers.items()})
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = False  # joined by server_close(): no thread outlives the server
    block_on_close = True

    def __init__(self, owner: ResponseServer, context: ssl.SSLContext) -> None:
        self.owner = owner
        self.tls = context
        super().__init__(("127.0.0.1", 0), _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        # TLS handshake in the per-connection thread, not in the accept loop.
        request.settimeout(10)
        tls_socket = self.tls.wrap_socket(request, server_side=True)
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            with contextlib.suppress(OSError):
                tls_socket.shutdown(socket.SHUT_RDWR)
            tls_socket.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner.errors += 1


class ResponseServer:
    """HTTPS server on ``127.0.0.1`` (ephemeral port) that records every PUT body by path.

    The certificate is made at start; :attr:`ca_path` is what clients must trust (give it to
    crhelper as ``ssl_verify``). Use as a context manager, or :meth:`start` / :meth:`stop`.

    Parameters
    ----------
    now:
        Returns the time stamped on each captured body (the shared clock's ``now``).
    """

    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._bodies: dict[str, list[CapturedResponse]] = {}
        self._listeners: list[Callable[[CapturedResponse], None]] = []
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None
        self._directory: Path | None = None
        self.ca_path: str = ""
        self.errors = 0

    @property
    def base_url(self) -> str:
        """``https://127.0.0.1:<port>`` (only while running)."""
        if self._server is None:
            raise ResponseServerError("the response server is not running")
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def running(self) -> bool:
        """Whether the server accepts connections."""
        return self._server is not None

    def start(self) -> ResponseServer:
        """Make the certificates, bind, and serve in a background thread."""
        if self._server is not None:
            return self
        self._directory = Path(tempfile.mkdtemp(prefix="sagemaker-rollout-cfn-"))
        try:
            ca_path, cert_path, key_path = _make_certificates(self._directory)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert_path, key_path)
            self._server = _TLSServer(self, context)
        except Exception:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
            raise
        self.ca_path = str(ca_path)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="cfn-response-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, join every thread, and delete the certificate files."""
        server, thread, directory = self._server, self._thread, self._directory
        self._server = self._thread = self._directory = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=10)
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)

    def __enter__(self) -> ResponseServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url_for(self, *parts: str) -> str:
        """The response URL for ``parts`` (each URL-quoted), e.g. ``url_for(stack, request_id)``."""
        from urllib.parse import quote

        return self.base_url + "/" + "/".join(quote(part, safe="") for part in parts)

    def on_response(self, listener: Callable[[CapturedResponse], None]) -> None:
        """Call ``listener`` (in the server thread) for every body received."""
        self._listeners.append(listener)

    def bodies(self, url_or_path: str) -> list[CapturedResponse]:
        """Every body PUT to ``url_or_path``, oldest first."""
        path = unquote(urlsplit(url_or_path).path)
        with self._lock:
            return list(self._bodies.get(path, ()))

    def all_bodies(self) -> list[CapturedResponse]:
        """Every body received, in arrival order."""
        with self._lock:
            captured = [c for bodies in self._bodies.values() for c in bodies]
        return sorted(captured, key=lambda c: c.received_at)

    def _record(self, raw_path: str, raw: bytes, headers: dict[str, str]) -> None:
        text = raw.decode("utf-8", errors="replace")
        try:
            decoded = json.loads(text)
        except ValueError:
            decoded = None
        captured = CapturedResponse(
            path=unquote(urlsplit(raw_path).path),
            body=decoded if isinstance(decoded, dict) else {},
            text=text,
            size=len(raw),
            received_at=self._now(),
            headers=headers,
        )
        with self._lock:
            self._bodies.setdefault(captured.path, []).append(captured)
        for listener in list(self._listeners):
            listener(captured)
