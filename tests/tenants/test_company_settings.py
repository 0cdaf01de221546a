"""Owners and managers set the company's name, time zone and reply-to address; client emails answer to it."""

import pytest
from django.core import mail
from django.urls import reverse

from portal.links import send_tickets_link
from tenants.models import Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

SETTINGS = {"name": "Harbor AV", "timezone": "America/Chicago", "reply_to_email": "support@harbor-av.example"}


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_owners_and_managers_change_the_company_settings_from_the_menu(client, login_as, tenant, role):
    login_as(tenant, role)
    assert reverse("tenants:company") in client.get(reverse("tenants:home")).content.decode()
    page = client.get(reverse("tenants:company")).content.decode()
    assert f'value="{tenant.name}"' in page

    response = client.post(reverse("tenants:company"), SETTINGS)
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.name, tenant.timezone, tenant.reply_to_email) == tuple(SETTINGS.values())
    assert "Company settings saved." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("role", [Role.DISPATCHER, Role.TECHNICIAN, Role.BILLING, Role.READ_ONLY])
def test_other_roles_neither_see_nor_change_the_company_settings(client, login_as, tenant, role):
    login_as(tenant, role)
    assert reverse("tenants:company") not in client.get(reverse("tenants:home")).content.decode()
    assert client.get(reverse("tenants:company")).status_code == 403
    assert client.post(reverse("tenants:company"), SETTINGS).status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).name == tenant.name


def test_a_bad_address_or_an_empty_name_is_refused_and_nothing_changes(staff_client, tenant):
    response = staff_client.post(
        reverse("tenants:company"), SETTINGS | {"name": " ", "reply_to_email": "support at harbor"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "This field is required." in page
    assert Tenant.objects.get(pk=tenant.pk).reply_to_email == ""


def test_the_reply_to_address_can_be_cleared(staff_client, tenant):
    tenant.reply_to_email = "old@harbor-av.example"
    tenant.save()
    staff_client.post(reverse("tenants:company"), SETTINGS | {"reply_to_email": ""})
    assert Tenant.objects.get(pk=tenant.pk).reply_to_email == ""


def test_client_emails_answer_to_the_company_unless_the_sender_names_someone(tenant, a_client):
    tenant.reply_to_email = "support@harbor-av.example"
    tenant.save()
    contact = ContactFactory(client=a_client, email="dana@whitaker.example")
    with tenant_scope(tenant):
        send_tickets_link(contact)
        send_tickets_link(contact, reply_to="sam@harbor-av.example")  # staff sending it themselves
    assert [m.reply_to for m in mail.outbox] == [["support@harbor-av.example"], ["sam@harbor-av.example"]]


def test_a_tenant_written_in_sql_without_the_two_step_requirement_does_not_require_it(db):
    """Benchmarks and bulk loads write tenants in SQL: the requirement defaults in the database too."""
    from django.db import connection

    from tenants.scope import cross_tenant

    with cross_tenant("write a tenant in SQL"), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tenants_tenant (name, slug, timezone, currency, country, subdivision, is_active,"
            " reply_to_email, created_at)"
            " VALUES ('SQL Shop', 'sql-shop', 'UTC', 'USD', 'US', '', true, '', now())"
            " RETURNING require_two_factor"
        )
        assert cursor.fetchone() == (False,)
