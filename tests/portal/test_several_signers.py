"""Several signers per agreement: in order, each proving their email with a one-time code when asked,
the agreement signed once all have, each reminded on their own clock."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from contracts import agreements, signers
from contracts.models import AgreementStatus, Signature, Signer, SignerStatus
from events.models import OutboxEvent
from portal import signing
from portal.models import LinkPurpose
from portal.pdf import render_signed_pdf
from tenants.scope import tenant_scope
from tests.factories import ContactFactory, PortalLinkFactory
from tests.portal.conftest import sent_agreement

pytestmark = pytest.mark.django_db

NOON = "2026-03-02 17:00Z"


@pytest.fixture(autouse=True)
def at_noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def finance(household):
    return ContactFactory(client=household, full_name="Lee Whitaker", email="lee@whitaker.example")


@pytest.fixture
def draft(tenant, version, household):
    with tenant_scope(tenant):
        return agreements.create_agreement(client=household, version=version, actor="owner@example.com")


def name_signers(agreement, *requests, in_order=True):
    with tenant_scope(agreement.tenant):
        return signers.set_signers(agreement, list(requests), in_order=in_order)


def send(agreement):
    with tenant_scope(agreement.tenant):
        return signers.send_to_signers(agreement, actor="owner@example.com")


def link_for(contact, agreement):
    return PortalLinkFactory(contact=contact, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)


def sign(link, name, **extra):
    with tenant_scope(link.tenant):
        return signing.sign_agreement(
            link, typed_name=name, consent=True, intent=True, ip="203.0.113.7", user_agent="test", **extra
        )


def code_in(message) -> str:
    return re.search(r"\b(\d{6})\b", message.subject)[1]


@pytest.fixture
def in_order(draft, signer, finance):
    name_signers(
        draft,
        signers.SignerRequest(contact=signer, role="Owner", email_code=False),
        signers.SignerRequest(contact=finance, role="Finance lead", email_code=False),
    )
    send(draft)
    return draft


def test_only_the_first_signer_is_emailed_until_they_sign(in_order, signer, finance, tenant):
    assert [message.to for message in mail.outbox] == [[signer.email]]
    sign(link_for(signer, in_order), "Dana Whitaker")
    assert [message.to for message in mail.outbox] == [[signer.email], [finance.email]]
    with tenant_scope(tenant):
        in_order.refresh_from_db()
        assert in_order.status == AgreementStatus.SENT
        assert list(Signer.objects.values_list("status", flat=True)) == [SignerStatus.SIGNED, "invited"]
        assert not OutboxEvent.objects.filter(name="agreement.signed").exists()


def test_the_agreement_is_signed_once_everyone_has_and_the_pdf_shows_them_all(
    in_order, signer, finance, tenant
):
    sign(link_for(signer, in_order), "Dana Whitaker")
    last = sign(link_for(finance, in_order), "Lee Whitaker")
    with tenant_scope(tenant):
        in_order.refresh_from_db()
        assert in_order.status == AgreementStatus.ACTIVE
        (event,) = OutboxEvent.objects.filter(name="agreement.signed")
        assert event.payload["signature_id"] == last.pk
        assert [each.signer_name for each in signers.signatures_on_record(last)] == [
            "Dana Whitaker",
            "Lee Whitaker",
        ]
        html_names = render_signed_pdf(last)
    assert html_names.startswith(b"%PDF")


def test_a_later_signer_cannot_sign_before_their_turn(in_order, finance):
    with pytest.raises(ValidationError, match=r"It is not your turn yet: Dana Whitaker signs first\."):
        sign(link_for(finance, in_order), "Lee Whitaker")


def test_a_contact_who_is_not_a_signer_cannot_sign(in_order, household):
    stranger = ContactFactory(client=household, full_name="Sam Guest", email="sam@whitaker.example")
    with pytest.raises(ValidationError, match="not one of the signers"):
        sign(link_for(stranger, in_order), "Sam Guest")


def test_signers_without_an_order_are_all_emailed_at_once(draft, signer, finance):
    name_signers(
        draft, signers.SignerRequest(contact=signer), signers.SignerRequest(contact=finance), in_order=False
    )
    assert send(draft) == 2
    assert sorted(message.to[0] for message in mail.outbox) == [signer.email, finance.email]


def test_one_decline_declines_the_agreement(in_order, signer, tenant):
    with tenant_scope(tenant):
        signing.decline_agreement(link_for(signer, in_order), reason="Wrong address", ip=None, user_agent="")
        in_order.refresh_from_db()
        assert in_order.status == AgreementStatus.DECLINED
        assert Signer.objects.get(contact=signer).status == SignerStatus.DECLINED


def test_sending_again_asks_everyone_again(in_order, signer, tenant):
    sign(link_for(signer, in_order), "Dana Whitaker")
    send(in_order)
    with tenant_scope(tenant):
        assert list(Signer.objects.values_list("status", flat=True)) == ["invited", "waiting"]
        assert Signature.objects.filter(signed_at__isnull=False).count() == 1  # the evidence stays


def test_signers_must_be_contacts_of_the_client_with_an_email(draft, signer, tenant):
    elsewhere = ContactFactory(tenant=tenant)
    no_email = ContactFactory(client=draft.client, email="")
    for contact, message in [(elsewhere, "is not a contact of"), (no_email, "no email address")]:
        with pytest.raises(ValidationError, match=message):
            name_signers(draft, signers.SignerRequest(contact=contact))
    with pytest.raises(ValidationError, match="named twice"):
        name_signers(draft, signers.SignerRequest(contact=signer), signers.SignerRequest(contact=signer))


# --- The one-time code ------------------------------------------------------------------------------


@pytest.fixture
def with_code(draft, signer):
    name_signers(draft, signers.SignerRequest(contact=signer, role="Owner", email_code=True))
    send(draft)
    mail.outbox.clear()
    return link_for(signer, draft)


def test_signing_waits_for_the_emailed_code(with_code):
    with pytest.raises(ValidationError, match="Confirm your email address"):
        sign(with_code, "Dana Whitaker")


def test_the_right_code_opens_signing_and_is_recorded_on_the_signature(with_code, tenant, at_noon):
    with tenant_scope(tenant):
        signing.send_email_code(with_code)
    (message,) = mail.outbox
    assert message.to == ["dana@whitaker.example"]
    at_noon.shift(timedelta(minutes=9))
    with tenant_scope(tenant):
        signer = signing.confirm_email_code(with_code, f" {code_in(message)} ")
        assert Signer.objects.get(pk=signer.pk).code_hash == ""  # used once
    signature = sign(with_code, "Dana Whitaker")
    assert signature.email_verified_at is not None
    with tenant_scope(tenant):
        assert Signature.objects.get(pk=signature.pk).email_verified_at == signer.email_verified_at


def test_a_code_is_kept_only_as_a_hash(with_code, tenant):
    with tenant_scope(tenant):
        signing.send_email_code(with_code)
        stored = Signer.objects.get(contact=with_code.contact)
    assert code_in(mail.outbox[0]) not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_a_code_expires_after_ten_minutes(with_code, tenant, at_noon):
    with tenant_scope(tenant):
        signing.send_email_code(with_code)
    at_noon.shift(timedelta(minutes=11))
    with tenant_scope(tenant), pytest.raises(ValidationError, match="expired"):
        signing.confirm_email_code(with_code, code_in(mail.outbox[0]))


def test_five_wrong_codes_use_up_the_code(with_code, tenant):
    with tenant_scope(tenant):
        signing.send_email_code(with_code)
        right = code_in(mail.outbox[0])
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        messages = []
        for _ in range(5):
            with pytest.raises(ValidationError) as refused:
                signing.confirm_email_code(with_code, wrong)
            messages.append(refused.value.message_dict["code"][0])
        with pytest.raises(ValidationError, match="Too many wrong codes"):
            signing.confirm_email_code(with_code, right)
    assert messages[0] == "That code is not right: 4 tries left."
    assert messages[-1] == "That code is not right, and that was the last try: ask for a new one."


def test_codes_are_rate_limited_per_signer(with_code, tenant):
    with tenant_scope(tenant):
        for _ in range(5):
            signing.send_email_code(with_code)
        with pytest.raises(ValidationError, match="several codes in a short while"):
            signing.send_email_code(with_code)
    assert len(mail.outbox) == 5


def test_the_tenant_asks_for_a_code_above_its_fee_threshold(tenant, version, household, signer):
    tenant.email_code_above_fee = Decimal("100")
    tenant.save()
    cheap = sent_agreement(version, household, tier="basic", monthly_fee=Decimal("50"))
    with tenant_scope(tenant):
        assert not signers.email_code_by_default(cheap)
        agreements.cancel(cheap, actor="owner@example.com")
    dear = sent_agreement(version, household, tier="gold", monthly_fee=Decimal("300"))
    with tenant_scope(tenant):
        assert signers.email_code_by_default(dear)
        dear.tenant.require_email_code = False
        assert not signers.email_code_by_default(dear)


# --- Reminders --------------------------------------------------------------------------------------


def test_each_invited_signer_is_reminded_on_their_own_clock(in_order, signer, finance, tenant, at_noon):
    mail.outbox.clear()
    with tenant_scope(tenant):
        assert signers.remind_waiting_signers() == 0  # invited today
    at_noon.shift(timedelta(days=3))
    with tenant_scope(tenant):
        assert signers.remind_waiting_signers() == 1
        assert signers.remind_waiting_signers() == 0  # not twice
    assert [message.to for message in mail.outbox] == [[signer.email]]  # the finance lead waits their turn
    assert mail.outbox[0].subject.startswith("Reminder: please sign")
