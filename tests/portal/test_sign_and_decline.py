"""Signing and declining through the portal: what the signature row keeps, and what is refused."""

import hashlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from contracts.documents import document_sha256, render_version
from contracts.models import AgreementStatus, Signature
from events.models import OutboxEvent
from portal import signing
from portal.models import LinkPurpose
from tenants.scope import tenant_scope
from tests.factories import PortalLinkFactory

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148 Safari/604.1"


def sign(link, **overrides):
    values = {"typed_name": "Dana  Whitaker ", "consent": True, "intent": True, "ip": "203.0.113.7",
              "user_agent": BROWSER} | overrides  # fmt: skip
    with tenant_scope(link.tenant):
        return signing.sign_agreement(link, **values)


def test_the_first_view_opens_the_trail_once(sign_link, agreement):
    link, _ = sign_link
    with time_machine.travel("2026-03-02 14:00Z", tick=False), tenant_scope(link.tenant):
        first = signing.record_first_view(link, ip="203.0.113.7", user_agent=BROWSER)
    with time_machine.travel("2026-03-03 09:00Z", tick=False), tenant_scope(link.tenant):
        again = signing.record_first_view(link, ip="198.51.100.1", user_agent="other")
        assert again.pk == first.pk
        assert again.first_viewed_at == datetime(2026, 3, 2, 14, tzinfo=UTC)
        assert first.sent_at == agreement.history.get(kind="sent").at
        assert list(agreement.history.filter(kind="viewed").values_list("actor", flat=True)) == [
            "Dana Whitaker <dana@whitaker.example> (client contact)"
        ]


def test_signing_keeps_the_whole_trail_and_exactly_the_document_shown(
    sign_link, agreement, household, tenant
):
    link, _ = sign_link
    with time_machine.travel("2026-03-02 14:00Z", tick=False), tenant_scope(tenant):
        signing.record_first_view(link, ip="203.0.113.7", user_agent=BROWSER)
        shown = signing.document_for(agreement)
    with time_machine.travel("2026-03-02 14:05Z", tick=False):
        signature = sign(link, shown_sha256=shown.sha256)

    with tenant_scope(tenant):
        expected = render_version(agreement.version, client=household, tier="", riders=(), tenant=tenant)
        agreement.refresh_from_db()
        assert Signature.objects.count() == 1
    assert signature.signer_name == "Dana Whitaker"  # as typed, spaces tidied
    assert signature.signer_email == "dana@whitaker.example"
    assert (signature.ip_address, signature.user_agent) == ("203.0.113.7", BROWSER)
    assert signature.first_viewed_at == datetime(2026, 3, 2, 14, tzinfo=UTC)
    assert signature.signed_at == datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
    assert signature.sent_at is not None
    assert signature.document_html == expected.html
    assert signature.document_sha256 == document_sha256(expected.html) == shown.sha256
    assert "electronic records and signatures" in signature.consent_text
    assert "on behalf of Whitaker Residence" in signature.consent_text
    assert bytes(signature.pdf).startswith(b"%PDF")
    assert signature.pdf_sha256 == hashlib.sha256(bytes(signature.pdf)).hexdigest()
    assert agreement.status == AgreementStatus.ACTIVE
    with tenant_scope(tenant):
        event = OutboxEvent.objects.get(name="agreement.signed")
        assert event.payload["signature_id"] == signature.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"typed_name": "  "}, "typed_name"), ({"typed_name": "D."}, "typed_name"),
     ({"consent": False}, "consent"), ({"intent": False}, "intent")],
)  # fmt: skip
def test_nothing_is_signed_without_a_typed_name_consent_and_intent(sign_link, agreement, overrides, field):
    link, _ = sign_link
    with pytest.raises(ValidationError) as error:
        sign(link, **overrides)
    assert field in error.value.message_dict
    with tenant_scope(link.tenant):
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.SENT
        assert not Signature.objects.filter(signed_at__isnull=False).exists()


def test_a_document_that_changed_since_it_was_shown_is_not_signed(sign_link, agreement):
    link, _ = sign_link
    with pytest.raises(signing.DocumentChanged):
        sign(link, shown_sha256="0" * 64)
    with tenant_scope(link.tenant):
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SENT


def test_an_agreement_is_signed_once(sign_link, agreement, household):
    link, _ = sign_link
    sign(link)
    other = PortalLinkFactory(contact=link.contact, agreement=agreement)
    with pytest.raises(ValidationError, match="already signed"):
        sign(other)


def test_a_view_only_link_cannot_sign_or_decline(signer, agreement):
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.VIEW_AGREEMENT)
    with pytest.raises(ValidationError, match="not sign"):
        sign(link)
    with tenant_scope(link.tenant), pytest.raises(ValidationError, match="not decline"):
        signing.decline_agreement(link, reason="No", ip=None, user_agent="")


def test_declining_keeps_the_reason_and_where_it_came_from(sign_link, agreement):
    link, _ = sign_link
    with tenant_scope(link.tenant):
        with pytest.raises(ValidationError) as error:
            signing.decline_agreement(link, reason="   ", ip="203.0.113.7", user_agent=BROWSER)
        assert "reason" in error.value.message_dict
        signature = signing.decline_agreement(
            link,
            reason="The monthly fee is too high.",
            ip="203.0.113.7",
            user_agent=BROWSER,
            typed_name="Dana",
        )
        agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DECLINED
    assert agreement.declined_reason == "The monthly fee is too high."
    assert signature.declined_at is not None
    assert signature.signed_at is None
    assert (signature.ip_address, signature.decline_reason) == ("203.0.113.7", "The monthly fee is too high.")
    assert len(signature.document_sha256) == 64
    assert not signature.pdf_sha256


def test_after_a_decline_and_a_new_send_the_contact_signs_on_a_fresh_record(sign_link, agreement):
    from contracts import agreements

    link, _ = sign_link
    with tenant_scope(link.tenant):
        signing.decline_agreement(link, reason="Wrong address on it", ip=None, user_agent="")
        agreements.mark_sent(agreement, actor="owner@example.com")
    signature = sign(link)
    with tenant_scope(link.tenant):
        assert Signature.objects.filter(agreement=agreement).count() == 2
    assert signature.declined_at is None
    assert signature.signed_at is not None
