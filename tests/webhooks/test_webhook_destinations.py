"""Webhook URLs: public addresses only (no server-side request forgery), unless development allows
private ones. Name resolution is faked here, so the tests need no DNS."""

import ipaddress
import socket

import pytest

from webhooks.destinations import UnsafeDestination, check_destination

PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """dns["name"] = [addresses]: what getaddrinfo answers for that name (literal IPs resolve as usual)."""
    names: dict[str, list[str]] = {}
    real_getaddrinfo = socket.getaddrinfo

    def fake_getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            return [
                (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
                for a in names[host]
            ]
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return real_getaddrinfo(host, port, *args, **kwargs)  # a literal address resolves to itself

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    return names


@pytest.fixture(autouse=True)
def production_rules(settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = False


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.8.9.10:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[::]/hook",
    ],
)
def test_a_url_on_a_private_loopback_link_local_or_reserved_address_is_refused(dns, url):
    with pytest.raises(UnsafeDestination, match="non-public address"):
        check_destination(url)


def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns["hooks.partner.example"] = ["10.0.0.7"]

    with pytest.raises(UnsafeDestination, match=r"hooks\.partner\.example resolves to 10\.0\.0\.7"):
        check_destination("https://hooks.partner.example/accord")


def test_a_name_with_one_private_address_among_public_ones_is_refused(dns):
    dns["hooks.partner.example"] = [PUBLIC, "127.0.0.1"]

    with pytest.raises(UnsafeDestination, match=r"127\.0\.0\.1"):
        check_destination("https://hooks.partner.example/accord")


def test_a_public_name_gives_the_address_to_connect_to_and_keeps_the_name_for_tls(dns):
    dns["hooks.partner.example"] = [PUBLIC]

    destination = check_destination("https://hooks.partner.example:8443/accord?source=accord")

    assert destination.address == PUBLIC
    assert (destination.scheme, destination.host, destination.port) == (
        "https",
        "hooks.partner.example",
        8443,
    )
    assert destination.path == "/accord?source=accord"


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://hooks.partner.example/accord", "http"),
        ("hooks.partner.example/accord", "http"),
        ("https://user:secret@hooks.partner.example/accord", "credentials"),
        ("https://nowhere.invalid/accord", "does not resolve"),
    ],
)
def test_urls_that_are_not_http_carry_credentials_or_do_not_resolve_are_refused(dns, url, why):
    dns["hooks.partner.example"] = [PUBLIC]

    with pytest.raises(UnsafeDestination, match=why):
        check_destination(url)


def test_development_may_send_to_private_addresses(dns, settings):
    settings.ACCORD_WEBHOOK_ALLOW_PRIVATE_URLS = True

    assert check_destination("http://127.0.0.1:9000/hook").address == "127.0.0.1"
    with pytest.raises(UnsafeDestination, match="credentials"):  # the other rules still apply
        check_destination("http://me:pw@127.0.0.1:9000/hook")
