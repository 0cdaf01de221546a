"""Acceptance 4: signing an agreement in the portal emails the signer the signed PDF and tells the company's
owners and managers (in the app and by email). Signing goes through the real portal pages; the worker is
played by dispatching the bus and sending the queued staff emails."""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from contracts.models import Signature
from events.dispatch import dispatch_pending
from memberships.services import attach_offer
from notifications.models import EmailStatus, Notification
from notifications.services import send_pending_emails
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import PlanFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db

# Monday 2 March 2026, 14:00 UTC = 09:00 in New York (the tenant's zone).
MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
SUPPORT = "office@harbor-av.example"


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def company(tenant):
    tenant.name, tenant.reply_to_email = "Harbor AV", SUPPORT
    tenant.save()
    return tenant


@pytest.fixture
def staff(company):
    return {
        role: StaffMembershipFactory(
            tenant=company, role=role, user__email=f"{role.value}@harbor-av.example"
        ).user
        for role in Role
    }


def url(name, token):
    return reverse(f"portal:{name}", kwargs={"token": token})


def sign_in_the_portal(client, token):
    shown = client.get(url("open", token)).content.decode()
    shown_hash = re.search(r'name="document_sha256" value="([0-9a-f]{64})"', shown)[1]
    response = client.post(
        url("sign", token),
        {"typed_name": "Dana Whitaker", "consent": "on", "intent": "on", "document_sha256": shown_hash},
    )
    assert response.status_code == 302
    return response


def worker_pass(minutes=0):
    dispatch_pending(now=MONDAY + timedelta(minutes=minutes))
    send_pending_emails()


def test_the_signer_gets_the_signed_pdf_the_portal_serves_with_a_summary_and_a_link(
    client, company, staff, sign_link, agreement
):
    _, token = sign_link
    with tenant_scope(company):  # the contract offers a membership at a negotiated $149.00 a month
        attach_offer(
            agreement, kind="start", tier=PlanFactory(tenant=company, key="gold"), tier_price=Decimal("149")
        )
    sign_in_the_portal(client, token)
    worker_pass()

    [copy] = [m for m in mail.outbox if m.to == ["dana@whitaker.example"]]
    assert copy.subject == "Your signed copy: Home Technology Care Plan"
    assert copy.reply_to == [SUPPORT]
    assert copy.from_email.startswith("Harbor AV <")
    [(filename, content, mimetype)] = copy.attachments
    assert filename == "Whitaker Residence - Home Technology Care Plan v1 (signed).pdf"
    assert mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    assert content == client.get(url("pdf", token)).content  # the very file the portal serves
    with tenant_scope(company):
        signature = Signature.objects.get(agreement=agreement)
    assert signature.pdf_sha256 in copy.body
    thanks = (
        'Thank you for signing "Home Technology Care Plan" for Whitaker Residence on 2 March 2026 at 09:00'
    )
    assert f"{thanks} EST" in copy.body
    assert "Monthly fee: $149.00" in copy.body
    assert "Term: 2 Mar 2026 to 1 Mar 2027" in copy.body
    assert "works until 2 March 2027" in copy.body  # a year to read it back, not a signing link's month

    # The link in the email opens the agreement as signed.
    link = re.search(r"https?://\S+/portal/\S+/", copy.body)[0].removeprefix(settings.SITE_URL)
    page = client.get(link).content.decode()
    assert "Signed by Dana Whitaker" in page


def test_owners_and_managers_are_told_in_the_app_and_by_email_and_nobody_else(
    client, company, staff, sign_link
):
    sign_in_the_portal(client, sign_link[1])
    worker_pass()

    with tenant_scope(company):
        notices = list(Notification.objects.select_related("recipient").order_by("recipient__email"))
    assert {n.recipient for n in notices} == {staff[Role.OWNER], staff[Role.MANAGER]}
    assert {n.kind for n in notices} == {"agreement.signed"}
    assert notices[0].title == "Dana Whitaker signed Home Technology Care Plan for Whitaker Residence"
    assert "Signed Mon 2 Mar 2026, 09:00 EST by dana@whitaker.example." in notices[0].body
    assert {n.email_status for n in notices} == {EmailStatus.SENT}
    # The signer's copy and the company's own copy of the PDF (to its reply-to address) aside.
    staff_mail = [
        m for m in mail.outbox if m.to not in (["dana@whitaker.example"], ["office@harbor-av.example"])
    ]
    assert sorted(m.to[0] for m in staff_mail) == ["manager@harbor-av.example", "owner@harbor-av.example"]
    assert {m.subject for m in staff_mail} == {notices[0].title}
    assert "Open the agreement" in staff_mail[0].alternatives[0][0]


def test_the_done_page_says_the_copy_was_emailed_and_the_company_told(client, company, sign_link):
    _, token = sign_link
    done = client.get(sign_in_the_portal(client, token)["Location"]).content.decode()
    assert "We've emailed you a copy of the signed PDF at dana@whitaker.example and told Harbor AV." in done


def test_dispatching_again_sends_nothing_twice(client, company, staff, sign_link):
    sign_in_the_portal(client, sign_link[1])
    worker_pass()
    sent = len(mail.outbox)
    worker_pass(minutes=1)
    worker_pass(minutes=60)
    assert sent == 4  # the signer's copy, the company's copy, the owner's and the manager's notices
    assert len(mail.outbox) == sent
    with tenant_scope(company):
        assert Notification.objects.count() == 2
