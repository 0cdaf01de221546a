"""Every email is from the tenant: its name before Accord's sending address, answers to its reply-to
address, with attachments when a caller gives them."""

import pytest
from django.core import mail
from django.test import override_settings

from contracts.emails import send_templated_email
from contracts.models import EmailLog
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db


def send(tenant, **overrides):
    values = {
        "to": "dana@whitaker.example",
        "subject": "Your link",
        "template": "portal/email/tickets_link",
        "context": {"contact": {"full_name": "Dana"}, "client": {"name": "Whitaker"}, "url": "https://x"},
    }
    with tenant_scope(tenant):
        return send_templated_email(**(values | overrides))


@override_settings(DEFAULT_FROM_EMAIL="Accord <no-reply@accord.example>")
def test_the_sender_is_the_tenant_by_name_at_accords_address(tenant):
    tenant.name = "Harbor AV, Inc."
    tenant.save()
    send(tenant)
    assert mail.outbox[0].from_email == '"Harbor AV, Inc." <no-reply@accord.example>'
    assert mail.outbox[0].message()["From"] == '"Harbor AV, Inc." <no-reply@accord.example>'


def test_attachments_travel_with_the_email_and_the_send_is_logged(tenant):
    log = send(tenant, attachments=[("terms.pdf", b"%PDF-1.7 ...", "application/pdf")])
    assert mail.outbox[0].attachments == [("terms.pdf", b"%PDF-1.7 ...", "application/pdf")]
    assert (log.status, log.to) == ("sent", "dana@whitaker.example")
    with tenant_scope(tenant):
        assert EmailLog.objects.count() == 1


def test_without_a_reply_to_address_there_is_no_reply_to_header(tenant):
    send(tenant)
    assert mail.outbox[0].reply_to == []
    assert "Reply-To" not in mail.outbox[0].message()
