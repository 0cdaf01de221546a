"""The anniversary program's pages and API: the step table, setting a relationship start, marking a gift
delivered, the client's thank-you email and the staff's notice that a gift is due."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events.dispatch import dispatch_pending
from notifications.models import Kind, Notification
from rewards.anniversaries import grant_anniversary_rewards, save_step
from rewards.models import AnniversaryStep, RelationshipStart, Reward, RewardStatus
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import AgreementFactory, ClientFactory, ContactFactory, SignatureFactory, api_key_for

pytestmark = pytest.mark.django_db
PAGE = "/rewards/anniversaries/"
API = "/api/v1/reward-programs/anniversaries/"


@pytest.fixture(autouse=True)
def december():
    with time_machine.travel("2026-12-10 15:00:00+00:00", tick=False):
        yield


def _anniversary(tenant, *, since=date(2023, 12, 5)):
    with tenant_scope(tenant):
        save_step(years=1, credit=Decimal("0"), gift="A thank-you card and coffee", gift_cost=Decimal("15"))
        save_step(years=3, credit=Decimal("100"), gift="A gift basket", gift_cost=Decimal("60"))
        client = ClientFactory(tenant=tenant, name="Harbor Bakery")
        contact = ContactFactory(client=client, tenant=tenant, is_primary=True, email="dana@bakery.example")
        AgreementFactory(client=client, tenant=tenant, starts_on=since, ends_on=date(2027, 12, 4))
        return client, contact, grant_anniversary_rewards(date(2026, 12, 10))


def test_staff_add_a_step_and_see_the_rule(tenant, client, login_as):
    login_as(tenant, Role.MANAGER)
    response = client.post(PAGE, {"years": 5, "credit": "250", "gift": "", "gift_cost": "0"})
    assert response.status_code == 302
    page = client.get(PAGE).content.decode()
    assert "Year 5" in page
    assert "$250.00 credit" in page
    assert "year 4 repeats year 3" in page
    bad = client.post(PAGE, {"years": 2, "credit": "0", "gift": "", "gift_cost": "0"})
    assert bad.status_code == 400
    assert "a gift, or both" in bad.content.decode()


def test_the_page_takes_as_many_queries_for_many_clients_as_for_one(tenant, client, login_as):
    login_as(tenant, Role.MANAGER)
    _anniversary(tenant)
    with CaptureQueriesContext(connection) as one:
        assert client.get(PAGE).status_code == 200
    with tenant_scope(tenant):
        for n in range(8):  # signed in the portal, marked signed on paper, or started by hand
            other = ClientFactory(tenant=tenant, name=f"Client {n}")
            agreement = AgreementFactory(client=other, tenant=tenant, starts_on=date(2022 + n % 3, 3, 1 + n))
            if n % 2:
                SignatureFactory(agreement=agreement)
            if n % 3 == 0:
                RelationshipStart.objects.create(
                    tenant=tenant, client=other, started_on=date(2019, 6, 1), reason="Paper contract"
                )
        grant_anniversary_rewards(date(2026, 12, 10))
    with CaptureQueriesContext(connection) as many:
        page = client.get(PAGE).content.decode()

    assert page.count("Change start") == 9
    assert len(many) == len(one)


def test_a_technician_cannot_change_the_table(tenant, client, login_as):
    login_as(tenant, Role.TECHNICIAN)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"years": 5, "credit": "250"}).status_code == 403


def test_the_client_is_thanked_once_and_staff_are_told_the_gift_is_due(tenant, owner):
    _client, contact, rewards = _anniversary(tenant)
    assert sorted(r.key for r in rewards) == ["year-3", "year-3-gift"]
    dispatch_pending()
    dispatch_pending()  # a second pass sends nothing twice
    thanks = [m for m in mail.outbox if m.to == [contact.email]]
    assert len(thanks) == 1
    assert "Thank you for 3 years together" in thanks[0].subject
    assert "$100.00" in thanks[0].body
    assert "A gift basket" in thanks[0].body
    assert "/portal/" in thanks[0].body
    with tenant_scope(tenant):
        notice = Notification.objects.get(kind=Kind.REWARD_GIFT_DUE, recipient=owner)
        assert "A gift basket" in notice.title


def test_marking_the_gift_delivered_ends_the_task(tenant, client, login_as):
    _, _, rewards = _anniversary(tenant)
    gift = next(r for r in rewards if r.key == "year-3-gift")
    login_as(tenant, Role.MANAGER)
    assert "Mark delivered" in client.get(PAGE).content.decode()
    response = client.post(f"/rewards/{gift.pk}/deliver/", {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response.url == f"/rewards/clients/{gift.client_id}/"  # never off-site
    with tenant_scope(tenant):
        assert Reward.objects.get(pk=gift.pk).status == RewardStatus.DELIVERED


def test_staff_set_a_relationship_start_with_a_reason(tenant, client, login_as):
    bakery, _, _ = _anniversary(tenant)
    login_as(tenant, Role.OWNER)
    url = f"/rewards/anniversaries/clients/{bakery.pk}/"
    assert client.post(url, {"started_on": "2019-03-14", "reason": ""}).status_code == 400
    assert client.post(url, {"started_on": "2019-03-14", "reason": "Client since 2019"}).status_code == 302
    page = client.get(PAGE).content.decode()
    assert "14 Mar 2019" in page
    assert "set by staff" in page
    assert "14 Mar 2027" in page


def test_another_tenants_client_and_gift_are_a_404(tenant, other_tenant, client, login_as):
    theirs, _, rewards = _anniversary(other_tenant)
    login_as(tenant, Role.OWNER)
    assert client.get(f"/rewards/anniversaries/clients/{theirs.pk}/").status_code == 404
    assert client.post(f"/rewards/gifts/{rewards[0].pk}/delivered/").status_code == 404
    with tenant_scope(other_tenant):
        assert not RelationshipStart.objects.exists()


def test_the_api_lists_and_adds_steps(tenant):
    with tenant_scope(tenant):
        save_step(years=1, credit=Decimal("0"), gift="A card", gift_cost=Decimal("5"))
    _, key = api_key_for(tenant, ["read", "write"], name="Writer")
    api = api_client(key)
    listed = api.get(API).json()["results"]
    assert [(s["years"], s["gives"]) for s in listed] == [(1, "A card")]
    created = api.post(API, {"years": 3, "credit": "100.00"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["gives"] == "$100.00 credit"
    check_error(api.post(API, {"years": 4}, format="json"), 400)
    replaced = api.post(API, {"years": 3, "credit": "120.00"}, format="json")
    assert replaced.json()["gives"] == "$120.00 credit"
    with tenant_scope(tenant):
        assert AnniversaryStep.objects.count() == 2


@time_machine.travel("2026-12-10 15:00:00+00:00", tick=False)
def test_the_client_page_shows_the_streak(tenant, client, login_as):
    bakery, _, _ = _anniversary(tenant)
    login_as(tenant, Role.DISPATCHER)

    page = client.get(f"/clients/{bakery.pk}/").content.decode()

    assert "Client for 3 years" in page
    assert "next anniversary 5 Dec 2027 (year 4:" in page
