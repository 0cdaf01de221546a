"""Staff hear when a client signs or declines an agreement in the portal: the owners, the managers and
whoever sent it, in the app and by email, once, and only in their own company."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from contracts import agreements
from contracts.models import CampaignRecipient
from events.dispatch import dispatch_pending
from notifications.models import EmailStatus, Notification
from notifications.services import send_pending_emails
from portal import signing
from portal.models import LinkPurpose
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import (
    CampaignFactory,
    ClientFactory,
    ContactFactory,
    PortalLinkFactory,
    StaffMembershipFactory,
)
from tests.portal.conftest import published_version

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 23:30 New York: off shift, and still emailed (a signature is not an SLA alert).
LATE_EVENING = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(LATE_EVENING, tick=False):
        yield


@pytest.fixture
def people(tenant, team):
    """``team`` (one person per role), plus an owner who has left (told nothing)."""
    StaffMembershipFactory(tenant=tenant, role=Role.OWNER, is_active=False)
    return team


@pytest.fixture
def signer(tenant):
    household = ClientFactory(tenant=tenant, name="Whitaker Residence")
    return ContactFactory(client=household, full_name="Dana Whitaker", email="dana@whitaker.example")


def agreement_sent_by(sender_email, signer):
    version = published_version(signer.tenant)
    with tenant_scope(signer.tenant):
        agreement = agreements.create_agreement(client=signer.client, version=version, actor=sender_email)
        return agreements.mark_sent(agreement, actor=sender_email, to=signer.email)


def sign(agreement, signer):
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)
    with tenant_scope(signer.tenant):
        signing.sign_agreement(
            link, typed_name="Dana Whitaker", consent=True, intent=True, ip=None, user_agent=""
        )


def decline(agreement, signer, reason):
    link = PortalLinkFactory(contact=signer, agreement=agreement, purpose=LinkPurpose.SIGN_AGREEMENT)
    with tenant_scope(signer.tenant):
        signing.decline_agreement(link, reason=reason, ip=None, user_agent="", typed_name="Dana Whitaker")


def worker_pass(minutes=0):
    dispatch_pending(now=LATE_EVENING + timedelta(minutes=minutes))
    send_pending_emails()


def notices(tenant) -> list[Notification]:
    with tenant_scope(tenant):
        return list(Notification.objects.select_related("recipient").order_by("recipient__email"))


def staff_mail():
    # The signer's copy and the company's copy of the signed PDF ("Signed: ...") aside.
    return sorted(
        m.to[0]
        for m in mail.outbox
        if m.to != ["dana@whitaker.example"] and not m.subject.startswith("Signed: ")
    )


def test_the_person_who_sent_the_agreement_is_told_with_the_owners_and_managers(tenant, people, signer):
    dispatcher = people[Role.DISPATCHER]
    sign(agreement_sent_by(dispatcher.email, signer), signer)
    worker_pass()

    told = notices(tenant)
    assert {n.recipient for n in told} == {people[Role.OWNER], people[Role.MANAGER], dispatcher}
    assert staff_mail() == sorted(p.email for p in (people[Role.OWNER], people[Role.MANAGER], dispatcher))
    by_person = {n.recipient: n for n in told}
    assert by_person[dispatcher].body.endswith("You are told as the person who sent it.")
    assert by_person[people[Role.MANAGER]].body.endswith("You are told as a manager.")


def test_the_author_of_the_campaign_that_sent_it_is_told(tenant, people, signer):
    agreement = agreement_sent_by("system", signer)
    with tenant_scope(tenant):
        version = agreement.version
    campaign = CampaignFactory(tenant=tenant, version=version, created_by=people[Role.DISPATCHER])
    with tenant_scope(tenant):
        CampaignRecipient.objects.create(
            tenant=tenant, campaign=campaign, client=signer.client, contact=signer, agreement=agreement
        )
    sign(agreement, signer)
    worker_pass()
    assert people[Role.DISPATCHER] in {n.recipient for n in notices(tenant)}


def test_a_notice_leads_to_the_agreement_and_is_emailed_even_off_shift(client, tenant, people, signer):
    agreement = agreement_sent_by("someone@elsewhere.example", signer)
    sign(agreement, signer)
    worker_pass()

    owner_notice = next(n for n in notices(tenant) if n.recipient == people[Role.OWNER])
    assert owner_notice.url == reverse("contracts:agreement_detail", args=[agreement.pk])
    assert owner_notice.email_status == EmailStatus.SENT
    client.force_login(people[Role.OWNER])
    assert client.get(owner_notice.url).status_code == 200
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Dana Whitaker signed Home Technology Care Plan for Whitaker Residence" in page
    assert ">Signed</span>" in page


def test_a_decline_tells_staff_the_reason(tenant, people, signer):
    agreement = agreement_sent_by(people[Role.DISPATCHER].email, signer)
    decline(agreement, signer, "The monthly fee is too high for us.")
    worker_pass()

    told = notices(tenant)
    assert {n.kind for n in told} == {"agreement.declined"}
    assert {n.recipient for n in told} == {people[Role.OWNER], people[Role.MANAGER], people[Role.DISPATCHER]}
    assert told[0].title == "Dana Whitaker declined Home Technology Care Plan for Whitaker Residence"
    assert "Their reason: “The monthly fee is too high for us.”" in told[0].body
    [email] = [m for m in mail.outbox if m.to == [people[Role.OWNER].email]]
    assert "The monthly fee is too high for us." in email.body
    assert "send the agreement again" in email.body
    assert not [m for m in mail.outbox if m.to == ["dana@whitaker.example"]]  # no signed copy for a decline


def test_a_paper_contract_entered_by_staff_tells_nobody(tenant, people, signer):
    agreement = agreement_sent_by(people[Role.OWNER].email, signer)
    with tenant_scope(tenant):
        agreements.mark_signed(agreement, actor="Signed on paper (imported)")
    worker_pass()
    assert notices(tenant) == []
    assert mail.outbox == []


def test_each_event_is_told_once_and_only_to_its_own_company(tenant, people, signer, other_tenant):
    their_owner = StaffMembershipFactory(tenant=other_tenant, role=Role.OWNER).user
    sign(agreement_sent_by("someone@elsewhere.example", signer), signer)
    worker_pass()
    worker_pass(minutes=1)

    assert len(notices(tenant)) == 2
    assert notices(other_tenant) == []
    with cross_tenant("the test counts every company's notifications"):
        assert not Notification.objects.filter(recipient=their_owner).exists()
    assert staff_mail() == sorted([people[Role.OWNER].email, people[Role.MANAGER].email])
