"""Where webhooks may be sent: public addresses only (no server-side request forgery).

A partner's URL is checked when it is registered (API and staff form) and again at every send, because
a name can be re-pointed after registration (DNS rebinding). The check resolves the name, refuses it if
*any* address is private, loopback, link-local, multicast, reserved or unspecified (IPv4-mapped IPv6
included: ``::ffff:127.0.0.1`` is loopback), and the sender then connects to the very address that was
checked, never resolving the name a second time.

``ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS=1`` lifts the address rule (development sends to localhost).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeDestination(ValidationError):
    """The URL may not receive webhooks (its message says why, in words for the person who typed it)."""


@dataclass(frozen=True)
class Destination:
    scheme: str
    host: str  # as written in the URL (the Host header and the TLS server name)
    port: int
    path: str  # path and query, as sent in the request line
    address: str  # the checked IP address the connection goes to


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if embedded is not None and not _is_public(embedded):
            return False
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _split(url: str) -> tuple[str, str, int, str]:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise UnsafeDestination("Enter a full http:// or https:// URL.") from error
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination("Leave credentials out of the URL: every message is signed instead.")
    if parts.fragment:
        raise UnsafeDestination("A webhook URL has no #fragment.")
    host = parts.hostname or ""
    try:
        port = parts.port or DEFAULT_PORTS[parts.scheme]
    except ValueError as error:
        raise UnsafeDestination("The port is not a number between 1 and 65535.") from error
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return parts.scheme, host, port, path


def resolve(host: str, port: int) -> list[str]:
    """Every address the name resolves to (a literal IP resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise UnsafeDestination(f"The name {host} does not resolve to an address.") from error
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = sockaddr[0].split("%", 1)[0]  # drop an IPv6 zone index
        if address not in addresses:
            addresses.append(address)
    return addresses


def check_destination(url: str) -> Destination:
    """The URL's parts and the address to connect to; raises ``UnsafeDestination`` if it may not be
    used. Resolves the name now: call it again at each send."""
    scheme, host, port, path = _split(url)
    addresses = resolve(host, port)
    if not addresses:
        raise UnsafeDestination(f"The name {host} does not resolve to an address.")
    if not settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS:
        for address in addresses:
            if not _is_public(ipaddress.ip_address(address)):
                raise UnsafeDestination(
                    f"{host} resolves to {address}, a private, loopback or otherwise non-public address. "
                    "Webhooks go to public addresses only."
                )
    return Destination(scheme=scheme, host=host, port=port, path=path, address=addresses[0])


def validate_webhook_url(url: str) -> None:
    """Django/DRF validator: the URL may receive webhooks now."""
    check_destination(url)
