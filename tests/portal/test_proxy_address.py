"""Behind a reverse proxy (settings.TRUSTED_PROXY_HOPS), the portal records the client's address, not the
proxy's."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from contracts.models import Signature
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_behind_one_proxy_a_signature_records_the_clients_address(client, sign_link, agreement):
    _, token = sign_link
    page = client.get(reverse("portal:open", kwargs={"token": token})).content.decode()
    shown = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', page)[1]
    response = client.post(
        reverse("portal:sign", kwargs={"token": token}),
        {"typed_name": "Dana Whitaker", "consent": "on", "intent": "on", "document_sha256": shown},
        REMOTE_ADDR="10.0.0.2",  # the proxy
        HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",  # a forged first entry, then what the proxy saw
    )
    assert response.status_code == 302
    with tenant_scope(agreement.tenant):
        assert Signature.objects.get(agreement=agreement).ip_address == "203.0.113.9"


def test_with_no_trusted_proxy_a_forwarded_for_header_is_ignored(client, sign_link, agreement):
    _, token = sign_link
    page = client.get(reverse("portal:open", kwargs={"token": token})).content.decode()
    shown = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', page)[1]
    client.post(
        reverse("portal:sign", kwargs={"token": token}),
        {"typed_name": "Dana Whitaker", "consent": "on", "intent": "on", "document_sha256": shown},
        REMOTE_ADDR="198.51.100.7",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    with tenant_scope(agreement.tenant):
        assert Signature.objects.get(agreement=agreement).ip_address == "198.51.100.7"
