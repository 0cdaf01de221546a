"""One HTTP POST to a partner, pinned to the address that was checked, with a hard deadline.

The connection goes to ``Destination.address`` (checked by ``destinations.check_destination`` just
before), while the Host header and, for https, the TLS server name and certificate check use the name
in the URL. Redirects are not followed (a 3xx is a failed attempt). The whole exchange, connect to
last byte read, is cut off at the timeout even if the other side trickles bytes, so a claimed delivery
is always finished well inside its lease. Only the first few KB of the answer are read and kept.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from webhooks.destinations import Destination

RESPONSE_BYTES_KEPT = 2048
USER_AGENT = "Accord-Webhooks/1.0 (+https://www.standardwebhooks.com)"


@dataclass(frozen=True)
class SendResult:
    status_code: int | None
    duration_ms: int
    error: str = ""
    response_body: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, destination: Destination, timeout: float):
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, destination: Destination, timeout: float):
        super().__init__(
            destination.host, destination.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = destination.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # server_hostname: SNI and the certificate's name check are for the URL's host, not the IP.
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _describe(error: BaseException, timed_out: bool, timeout: float) -> str:
    if timed_out or isinstance(error, TimeoutError | socket.timeout):
        return f"No answer within {timeout:g} s."
    if isinstance(error, ConnectionRefusedError):
        return "Connection refused."
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not valid for this host: {error.verify_message}."
    if isinstance(error, ssl.SSLError):
        return f"TLS error: {error.reason or error}."
    return f"{type(error).__name__}: {error}"[:500]


def post(destination: Destination, *, body: bytes, headers: dict[str, str], timeout: float) -> SendResult:
    """POST ``body`` and return what came back; never raises for network trouble."""
    connection_class = _PinnedHTTPSConnection if destination.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(destination, timeout)
    timed_out = threading.Event()

    def cut_off():  # the deadline: unblocks a read that the socket timeout alone would let trickle on
        timed_out.set()
        sock = connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout, cut_off)
    watchdog.daemon = True
    started = time.monotonic()
    watchdog.start()
    try:
        connection.request(
            "POST",
            destination.path,
            body=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
        )
        response = connection.getresponse()
        if timed_out.is_set():
            raise TimeoutError
        status = response.status
    except (OSError, http.client.HTTPException) as error:
        watchdog.cancel()
        connection.close()
        elapsed = int((time.monotonic() - started) * 1000)
        return SendResult(
            status_code=None, duration_ms=elapsed, error=_describe(error, timed_out.is_set(), timeout)
        )
    try:  # the status decides; the body is only kept for the log, as much as has arrived
        snippet = response.read1(RESPONSE_BYTES_KEPT)
    except (OSError, http.client.HTTPException):
        snippet = b""
    finally:
        watchdog.cancel()
        connection.close()
    elapsed = int((time.monotonic() - started) * 1000)
    error = "" if 200 <= status < 300 else f"HTTP {status} {response.reason}".strip()
    if 300 <= status < 400:
        error += f" (redirects are not followed: register {response.getheader('Location', 'the final URL')})"
    return SendResult(
        status_code=status,
        duration_ms=elapsed,
        error=error[:500],
        response_body=snippet.decode("utf-8", errors="replace"),
    )
