"""Signing campaigns: who is asked, the emails with their portal links, reminders, supplements, progress."""

from datetime import date
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from contracts import agreements, campaigns
from contracts.models import (
    Agreement,
    AgreementStatus,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    EmailLog,
    RecipientStatus,
    TemplateKind,
)
from contracts.selectors import current_service_agreement
from contracts.tasks import send_campaign_batch
from events.models import OutboxEvent
from portal.links import resolve_portal_link
from portal.models import PortalLink
from tenants.scope import tenant_scope
from tests.contracts.contract_setup import (
    client_with_signers,
    eager_tasks,  # noqa: F401 (fixture)
    service_version,
    sign,
    signed_agreement,
    supplement_version,
)
from tests.factories import ClientFactory, ContactFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

TODAY = "2026-03-02 14:00Z"
DEADLINE = date(2026, 3, 31)


@pytest.fixture(autouse=True)
def early_march():
    """Every test starts on 2 March 2026 (the fixtures' signatures too); tests move on from there."""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def version(tenant):
    return service_version(tenant, title="Northwind Service Agreement 2026")


@pytest.fixture
def clients(tenant, version):
    """Whitaker (two signers), Okafor (one signer), Moreau (no signer), Lindqvist (signed already)."""
    whitaker, _ = client_with_signers(
        tenant, "Whitaker Residence", "dana@whitaker.example", "sam@whitaker.example"
    )
    okafor, _ = client_with_signers(tenant, "Okafor Dental Group", "office@okafor.example")
    moreau = ClientFactory(tenant=tenant, name="Moreau Lake House")
    ContactFactory(client=moreau, can_sign=False, email="caretaker@moreau.example")
    lindqvist, _ = client_with_signers(tenant, "Lindqvist Penthouse", "eva@lindqvist.example")
    signed_agreement(tenant, lindqvist, version)
    return {"whitaker": whitaker, "okafor": okafor, "moreau": moreau, "lindqvist": lindqvist}


def open_campaign(version, owner=None, **kwargs):
    defaults = {
        "name": "2026 agreement",
        "grace_deadline": DEADLINE,
        "reminder_days": [7, 3, 1],
        "message": "",
    }
    with tenant_scope(version.tenant):
        return campaigns.open_signature_campaign(version=version, created_by=owner, **{**defaults, **kwargs})


def send(campaign, capture):
    with capture(execute=True), tenant_scope(campaign.tenant):
        return campaigns.send_campaign(campaign)


def test_by_default_a_campaign_asks_every_active_client_without_a_signed_contract(tenant, version, clients):
    campaign = open_campaign(version)
    with tenant_scope(tenant):
        asked = sorted({r.client.name for r in campaign.recipients.select_related("client")})
        assert asked == ["Okafor Dental Group", "Whitaker Residence"]
        assert campaign.recipients.count() == 3  # one row per signer
        whitaker_agreements = Agreement.objects.filter(client=clients["whitaker"], version=version)
        assert [a.status for a in whitaker_agreements] == [
            AgreementStatus.DRAFT
        ]  # one per client, not per signer
        assert campaign.status == CampaignStatus.DRAFT
        assert mail.outbox == []


def test_a_client_without_a_signer_is_reported_not_silently_skipped(tenant, version, clients):
    campaign = open_campaign(version)
    assert [(n.client.name, n.reason) for n in campaign.not_reached] == [
        ("Moreau Lake House", campaigns.NO_SIGNER)
    ]


def test_sending_emails_each_signer_a_personal_link_and_marks_the_agreement_sent(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    campaign = open_campaign(version, message="We now ask every client to sign our terms.")
    assert send(campaign, django_capture_on_commit_callbacks) == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "dana@whitaker.example", "office@okafor.example", "sam@whitaker.example"
    ]  # fmt: skip
    message = next(m for m in mail.outbox if m.to == ["dana@whitaker.example"])
    assert "please review and sign Northwind Service Agreement 2026 by 31 March" in message.subject
    html = message.alternatives[0][0]
    assert "We now ask every client to sign our terms." in message.body
    assert "Review and sign" in html
    url = next(line for line in message.body.splitlines() if "/portal/" in line).strip()
    link = resolve_portal_link(url.rstrip("/").split("/")[-1])
    assert isinstance(link, PortalLink)
    assert link.contact.email == "dana@whitaker.example"
    with tenant_scope(tenant):
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.OPEN
        assert campaign.sent_at is not None
        agreement = Agreement.objects.get(client=clients["whitaker"], version=version)
        assert agreement.status == AgreementStatus.SENT
        assert list(agreement.history.values_list("kind", flat=True)) == ["created", "sent", "resent"]
        assert (
            OutboxEvent.objects.filter(name="agreement.sent", payload__agreement_id=agreement.pk).count() == 2
        )
        assert (
            EmailLog.objects.filter(template="contracts/email/campaign_invitation", status="sent").count()
            == 3
        )
        assert set(campaign.recipients.values_list("status", flat=True)) == {RecipientStatus.SENT}
        assert link.expires_at.date() > DEADLINE  # the link outlives the deadline


def test_sending_again_or_redelivering_a_batch_emails_nobody_twice(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    campaign = open_campaign(version)
    send(campaign, django_capture_on_commit_callbacks)
    with tenant_scope(tenant):
        ids = list(campaign.recipients.values_list("pk", flat=True))
    assert send(campaign, django_capture_on_commit_callbacks) == 0
    send_campaign_batch.apply(
        kwargs={"tenant_id": tenant.pk, "campaign_id": campaign.pk, "recipient_ids": ids}
    )
    assert len(mail.outbox) == 3


def test_a_refused_send_marks_the_signer_bounced_and_says_why(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    campaign = open_campaign(version)
    real_send = mail.EmailMultiAlternatives.send

    def refuse_okafor(message, *args, **kwargs):
        if message.to == ["office@okafor.example"]:
            raise OSError("550 mailbox unavailable")
        return real_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", refuse_okafor):
        send(campaign, django_capture_on_commit_callbacks)
    with tenant_scope(tenant):
        recipient = CampaignRecipient.objects.get(contact__email="office@okafor.example")
        assert recipient.status == RecipientStatus.BOUNCED
        assert recipient.agreement.status == AgreementStatus.DRAFT
        event = recipient.agreement.history.get(kind="not_delivered")
        assert "550 mailbox unavailable" in event.details["reason"]
        assert EmailLog.objects.get(to="office@okafor.example").status == "failed"
        assert campaigns.campaign_progress(campaign).counts["bounced"] == 1


def test_reminders_go_on_the_chosen_days_once_and_only_to_those_who_have_not_signed(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    with time_machine.travel(TODAY):
        campaign = open_campaign(version)
        send(campaign, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with tenant_scope(tenant):
        okafor_agreement = Agreement.objects.get(client=clients["okafor"], version=version)
    sign(okafor_agreement)

    with time_machine.travel("2026-03-23 12:00Z"), tenant_scope(tenant):  # 8 days left: none due
        assert campaigns.send_due_reminders(date(2026, 3, 23)) == 0
    with time_machine.travel("2026-03-24 12:00Z"), tenant_scope(tenant):  # 7 days left
        assert campaigns.send_due_reminders(date(2026, 3, 24)) == 2
        assert campaigns.send_due_reminders(date(2026, 3, 24)) == 0  # a second run the same day
    assert sorted(m.to[0] for m in mail.outbox) == ["dana@whitaker.example", "sam@whitaker.example"]
    assert mail.outbox[0].subject == "Reminder: 7 days left to sign Northwind Service Agreement 2026"
    assert "/portal/" in mail.outbox[0].body
    with tenant_scope(tenant):
        assert [r.reminders_sent for r in campaign.recipients.filter(client=clients["whitaker"])] == [
            [7],
            [7],
        ]


def test_a_run_that_missed_reminder_days_sends_one_reminder_not_a_burst(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    with time_machine.travel(TODAY):
        campaign = open_campaign(version)
        send(campaign, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with time_machine.travel("2026-03-30 12:00Z"), tenant_scope(tenant):  # 1 day left; 7 and 3 were missed
        assert campaigns.send_due_reminders(date(2026, 3, 30)) == 3
        assert campaigns.send_due_reminders(date(2026, 3, 30)) == 0
    assert {m.subject for m in mail.outbox} == {
        "Reminder: 1 day left to sign Northwind Service Agreement 2026"
    }
    with time_machine.travel("2026-03-31 12:00Z"), tenant_scope(tenant):  # deadline day: no threshold 0
        assert campaigns.send_due_reminders(date(2026, 3, 31)) == 0


def test_a_supplement_goes_to_signed_clients_and_is_attached_to_their_agreement(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    amendment = supplement_version(tenant)
    with tenant_scope(tenant):
        parent = Agreement.objects.get(client=clients["lindqvist"])
    campaign = open_campaign(amendment, name="Response-time schedule")
    send(campaign, django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["eva@lindqvist.example"]]
    assert "an amendment to your service agreement" in mail.outbox[0].subject
    with tenant_scope(tenant):
        supplement = campaign.recipients.get().agreement
        assert supplement.parent_id == parent.pk
        assert supplement.version.template.kind == TemplateKind.SUPPLEMENT
    sign(supplement)
    with tenant_scope(tenant):
        assert list(parent.supplements.values_list("status", flat=True)) == [AgreementStatus.ACTIVE]
        # the service contract in force is still the parent, not the amendment
        assert current_service_agreement(clients["lindqvist"]).pk == parent.pk


def test_a_supplement_cannot_go_to_a_client_without_a_signed_contract(tenant, version, clients):
    amendment = supplement_version(tenant)
    campaign = open_campaign(amendment, client_ids=[clients["okafor"].pk, clients["lindqvist"].pk])
    assert [(n.client.name, n.reason) for n in campaign.not_reached] == [
        ("Okafor Dental Group", campaigns.NO_PARENT)
    ]


def test_a_second_campaign_resends_the_unsigned_agreement_instead_of_creating_another(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    send(open_campaign(version, name="First ask"), django_capture_on_commit_callbacks)
    second = open_campaign(version, name="Second ask", client_ids=[clients["okafor"].pk])
    send(second, django_capture_on_commit_callbacks)
    with tenant_scope(tenant):
        assert Agreement.objects.filter(client=clients["okafor"], version=version).count() == 1
        assert second.recipients.get().agreement.history.filter(kind="resent").exists()


def test_a_client_who_signed_this_version_is_not_asked_again(tenant, version, clients):
    campaign = open_campaign(version, client_ids=[clients["lindqvist"].pk, clients["okafor"].pk])
    assert [n.client.name for n in campaign.not_reached] == ["Lindqvist Penthouse"]


def test_progress_counts_each_client_once_at_its_furthest_signer_and_coverage_counts_all_clients(
    tenant, version, clients, django_capture_on_commit_callbacks
):
    campaign = open_campaign(version)
    send(campaign, django_capture_on_commit_callbacks)
    with tenant_scope(tenant):
        whitaker = Agreement.objects.get(client=clients["whitaker"], version=version)
        okafor = Agreement.objects.get(client=clients["okafor"], version=version)
        campaigns.record_opened(agreement=whitaker, contact=whitaker.client.contacts.first())
        agreements.decline(okafor, actor="Office", reason="Rates too high")
        progress = campaigns.campaign_progress(campaign)
        assert (progress.clients, progress.emails_sent) == (2, 3)
        assert {k: v for k, v in progress.counts.items() if v} == {"opened": 1, "declined": 1}
        assert campaigns.coverage().percent == 25  # Lindqvist, 1 of 4 clients
    sign(whitaker)
    with tenant_scope(tenant):
        progress = campaigns.campaign_progress(campaign)
        assert (progress.counts["signed"], progress.signed_percent) == (1, 50)
        coverage = campaigns.coverage()
        assert (coverage.signed, coverage.clients, coverage.percent) == (2, 4, 50)


def test_a_deadline_must_leave_time_to_sign_and_unknown_clients_are_refused(tenant, version, clients):
    with pytest.raises(ValidationError) as error:
        open_campaign(version, grace_deadline=date(2026, 3, 2))
    assert "grace_deadline" in error.value.message_dict
    with pytest.raises(ValidationError, match="Unknown or archived clients: 999999"):
        open_campaign(version, client_ids=[clients["okafor"].pk, 999999])
    with tenant_scope(tenant):
        assert not Campaign.objects.exists()
