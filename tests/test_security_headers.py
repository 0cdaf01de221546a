"""Pages render under a strict CSP: no inline scripts, no CDN, vendored assets only."""

import re

import pytest
from django.urls import reverse

from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def staff_pages(a_client):
    return [
        reverse("tenants:home"),
        reverse("clients:list"),
        reverse("clients:create"),
        reverse("clients:detail", args=[a_client.pk]),
        reverse("clients:update", args=[a_client.pk]),
        reverse("clients:contact_create", args=[a_client.pk]),
        reverse("clients:site_create", args=[a_client.pk]),
        reverse("tenants:team"),
        reverse("api_keys:list"),
        reverse("api_keys:create"),
    ]


def test_every_page_sends_a_strict_content_security_policy(staff_client, tenant):
    a_client = ClientFactory(tenant=tenant)
    for url in [*staff_pages(a_client), reverse("accounts:login")]:
        policy = staff_client.get(url).headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy, url
        assert "unsafe-inline" not in policy, url
        assert "frame-ancestors 'none'" in policy, url


def test_pages_have_no_inline_scripts_styles_or_outside_assets(staff_client, tenant, client):
    a_client = ClientFactory(tenant=tenant)
    for url in staff_pages(a_client):
        html = staff_client.get(url).content.decode()
        assert staff_client.get(url).status_code == 200, url
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script, f"inline script on {url}"
        assert not re.search(r"\sstyle=\"", html), f"inline style on {url}"
        assert not re.search(r"\son[a-z]+=\"", html), f"inline event handler on {url}"
        assert not re.search(r"(src|href)=\"https?://", html), f"outside asset on {url}"
