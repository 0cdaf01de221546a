import datetime

import pytest
from django.core import mail
from django.urls import reverse

from contracts.models import Agreement
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    ContactFactory,
    ContractVersionFactory,
    TicketFactory,
)
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def signer(a_client):
    return ContactFactory(client=a_client, full_name="Priya Lindqvist", email="priya@whitaker.example")


def _page(staff_client, client) -> str:
    return staff_client.get(reverse("clients:detail", args=[client.pk])).content.decode()


def _send(staff_client, client):
    return staff_client.post(reverse("contracts:client_send", args=[client.pk]), follow=True)


def _agreements(tenant, client):
    with tenant_scope(tenant):
        return list(Agreement.objects.filter(client=client).order_by("pk"))


def test_the_client_page_lists_its_agreements_with_status_version_and_term(staff_client, a_client, tenant):
    agreement = AgreementFactory(client=a_client, status="active", version__title="Home Care Agreement")
    html = _page(staff_client, a_client)
    assert "Home Care Agreement" in html
    assert f"v{agreement.version.number}" in html
    assert "Active</span>" in html
    assert f"{agreement.starts_on:%-d %b %Y} – {agreement.ends_on:%-d %b %Y}" in html


def test_the_client_page_lists_open_tickets_before_closed_ones(staff_client, a_client, tenant):
    old_open = TicketFactory(client=a_client, title="Printer jams again")
    closed = TicketFactory(client=a_client, title="Wi-Fi drops in the study")
    with tenant_scope(tenant):
        Ticket.objects.filter(pk=closed.pk).update(status="closed")
    html = _page(staff_client, a_client)
    assert html.index("Printer jams again") < html.index("Wi-Fi drops in the study")
    assert "1 open</span>" in html
    assert f"#{old_open.number} Printer jams again" in html
    assert f"{reverse('tickets:create')}?client={a_client.pk}" in html


def test_a_read_only_member_sees_tickets_and_agreements_but_no_actions(client, login_as, a_client, tenant):
    login_as(tenant, Role.READ_ONLY)
    TicketFactory(client=a_client, title="Printer jams again")
    html = _page(client, a_client)
    assert "Printer jams again" in html
    assert "New ticket" not in html
    assert reverse("contracts:client_send", args=[a_client.pk]) not in html


def test_sending_to_a_client_without_an_agreement_makes_one_on_the_newest_published_version(
    staff_client, a_client, signer, tenant
):
    ContractVersionFactory(template__tenant=tenant, published=True, title="Older Agreement")
    newest = ContractVersionFactory(template__tenant=tenant, published=True, title="Home Care Agreement")
    assert "Send for signature" in _page(staff_client, a_client)
    html = _send(staff_client, a_client).content.decode()
    [agreement] = _agreements(tenant, a_client)
    assert agreement.version_id == newest.pk
    assert agreement.status == "sent"
    assert [message.to for message in mail.outbox] == [["priya@whitaker.example"]]
    assert "Emailed Home Care Agreement" in html
    assert "Send the signing link again" in html


def test_a_draft_is_sent_rather_than_a_second_agreement_made(staff_client, a_client, signer, tenant):
    draft = AgreementFactory(client=a_client, status="draft", starts_on=None)
    assert "Send the draft for signature" in _page(staff_client, a_client)
    _send(staff_client, a_client)
    assert [(a.pk, a.status) for a in _agreements(tenant, a_client)] == [(draft.pk, "sent")]


def test_a_declined_agreement_is_sent_again(staff_client, a_client, signer, tenant):
    declined = AgreementFactory(client=a_client, status="declined", starts_on=None)
    assert "Send again after the decline" in _page(staff_client, a_client)
    _send(staff_client, a_client)
    assert [(a.pk, a.status) for a in _agreements(tenant, a_client)] == [(declined.pk, "sent")]


def _expiring(client, *, version=None, auto_renew=True):
    today = tenant_today(client.tenant)
    extra = {"version": version} if version else {}
    return AgreementFactory(
        client=client,
        status="expiring",
        auto_renew=auto_renew,
        starts_on=today - datetime.timedelta(days=350),
        ends_on=today + datetime.timedelta(days=14),
        **extra,
    )


def test_an_expiring_contract_that_renews_on_its_own_has_nothing_to_send(
    staff_client, a_client, signer, tenant
):
    _expiring(a_client)
    html = _page(staff_client, a_client)
    assert "renews on its own" in html
    assert reverse("contracts:client_send", args=[a_client.pk]) not in html
    html = _send(staff_client, a_client).content.decode()
    assert "nothing to sign" in html
    assert len(_agreements(tenant, a_client)) == 1
    assert mail.outbox == []


def test_an_expiring_contract_on_an_old_version_gets_a_renewal_on_the_current_one(
    staff_client, a_client, signer, tenant
):
    old = ContractVersionFactory(template__tenant=tenant, published=True, number=1)
    expiring = _expiring(a_client, version=old)
    current = ContractVersionFactory(template=old.template, published=True, number=2)
    assert "Send the renewal for signature" in _page(staff_client, a_client)
    _send(staff_client, a_client)
    renewal = _agreements(tenant, a_client)[-1]
    assert renewal.version_id == current.pk
    assert renewal.renewed_from_id == expiring.pk
    assert renewal.starts_on == expiring.ends_on + datetime.timedelta(days=1)
    assert renewal.status == "sent"
    assert len(mail.outbox) == 1


def test_a_signed_contract_has_nothing_to_send(staff_client, a_client, signer, tenant):
    AgreementFactory(client=a_client, status="active")
    assert "Signed and in force: nothing to send." in _page(staff_client, a_client)
    assert "nothing to send" in _send(staff_client, a_client).content.decode()
    assert mail.outbox == []


def test_a_client_without_a_signer_is_told_and_no_agreement_is_left_behind(staff_client, a_client, tenant):
    ContractVersionFactory(template__tenant=tenant, published=True)
    html = _send(staff_client, a_client).content.decode()
    assert "has no contact who may sign" in html
    assert _agreements(tenant, a_client) == []


def test_without_a_published_contract_the_page_says_to_publish_one(staff_client, a_client, signer, tenant):
    ContractVersionFactory(template__tenant=tenant)  # a draft only
    assert "No service contract is published yet" in _page(staff_client, a_client)
    assert "publish a contract template first" in _send(staff_client, a_client).content.decode()
    assert _agreements(tenant, a_client) == []


def test_another_tenants_client_cannot_be_sent_a_contract(staff_client, other_tenant):
    stranger = ClientFactory(tenant=other_tenant)
    response = staff_client.post(reverse("contracts:client_send", args=[stranger.pk]))
    assert response.status_code == 404


def test_only_those_who_manage_contracts_may_send(client, login_as, a_client, signer, tenant):
    ContractVersionFactory(template__tenant=tenant, published=True)
    login_as(tenant, Role.TECHNICIAN)
    response = client.post(reverse("contracts:client_send", args=[a_client.pk]))
    assert response.status_code == 403
    assert _agreements(tenant, a_client) == []
