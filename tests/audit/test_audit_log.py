"""The audit log: staff changes (history rows), sign-ins, failed sign-ins and CSV exports, each with who,
when and from where, for the company's owners only."""

import csv
import io
import logging
import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from api.models import ApiKey
from audit.models import Action, AuditEntry
from audit.selectors import AuditFilters, audit_log
from service_levels.models import SlaPolicy
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tests.factories import ClientFactory, SlaPolicyFactory, api_key_for
from tests.service_levels.test_pages import policy_post

pytestmark = pytest.mark.django_db

OFFICE_IP = "203.0.113.7"
BROWSER = "Mozilla/5.0 (Macintosh) Safari/605.1.15"


def rows(tenant, **filters):
    with tenant_scope(tenant):
        log = audit_log(tenant, AuditFilters(**filters))
        return log[0 : log.count()]


def page(client, **params):
    response = client.get(reverse("audit:log"), params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def calendar(tenant):
    from tests.factories import CalendarFactory

    return CalendarFactory(tenant=tenant, name="Business hours")


def test_editing_an_sla_policy_on_its_page_is_logged_with_who_when_where_and_the_change(
    client, login_as, tenant, calendar
):
    owner = login_as(tenant, Role.OWNER)
    policy = SlaPolicyFactory(tenant=tenant, name="Gold", kind="tier", key="gold", warning_percent=75)
    data = policy_post(calendar, P1_first_response="30m")
    data.update(name="Gold Plus", key="gold", warning_percent="80")

    response = client.post(
        reverse("service_levels:policy_update", args=[policy.pk]),
        data,
        REMOTE_ADDR=OFFICE_IP,
        HTTP_USER_AGENT=BROWSER,
    )

    assert response.status_code == 302
    [change] = rows(tenant, object_type="SLA policy", kind="changed")
    assert change.actor == f"{owner.full_name} <{owner.email}>"
    assert change.ip == OFFICE_IP
    assert change.user_agent == BROWSER
    assert change.object_label == "Gold Plus"
    assert change.object_id == str(policy.pk)
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("Name", "Gold", "Gold Plus"),
        ("Pause statuses", ["waiting_on_client"], []),  # the form sent none
        ("Warning percent", 75, 80),
    ]
    assert change.at.tzinfo is not None
    assert change.at.utcoffset() is not None
    # the new target of the grid, made in the same request, carries the same request id
    [target] = rows(tenant, object_type="SLA target", kind="created")
    assert target.request_id == change.request_id
    assert target.actor == change.actor

    html = page(client, object_type="SLA policy")
    assert f"{change.at:%H:%M:%S} E" in html  # the company's time (EST or EDT), not UTC
    assert "Gold Plus" in html
    assert OFFICE_IP in html
    assert "<del>Gold</del>" in html


def test_a_change_to_company_settings_shows_before_and_after_though_the_tenant_predates_its_history(
    client, login_as, tenant
):
    login_as(tenant, Role.OWNER)
    data = {
        "name": "Northwind Home Tech",
        "timezone": "Europe/London",
        "reply_to_email": "",
        "require_email_code": "on",  # the page shows it ticked; a browser posts it back
    }

    assert client.post(reverse("tenants:company"), data, REMOTE_ADDR=OFFICE_IP).status_code == 302

    [change] = rows(tenant, object_type="Company settings")
    assert change.kind == "changed"
    assert change.ip == OFFICE_IP
    assert [(c.field, c.before, c.after) for c in change.changes] == [
        ("Name", tenant.name, "Northwind Home Tech"),
        ("Timezone", "America/New_York", "Europe/London"),
    ]


def test_a_change_made_by_a_service_outside_any_request_is_logged_as_the_system(tenant):
    policy = SlaPolicyFactory(tenant=tenant, name="Silver", kind="tier", key="silver")
    with tenant_scope(tenant):
        SlaPolicy.objects.filter(pk=policy.pk).update(description="Now with weekend cover")  # qs.update too

    [change] = rows(tenant, object_type="SLA policy", kind="changed")
    assert change.actor == "system"
    assert change.ip is None
    assert [(c.field, c.after) for c in change.changes] == [("Description", "Now with weekend cover")]
    assert [r.kind for r in rows(tenant, actor="system", object_type="SLA policy")] == ["changed", "created"]
    assert rows(tenant, actor="anonymous", object_type="SLA policy") == []


def test_creating_an_api_key_is_logged_and_its_secret_hash_is_not(client, login_as, tenant):
    owner = login_as(tenant, Role.OWNER)

    response = client.post(
        reverse("api_keys:create"), {"name": "RMM integration", "scopes": ["read"]}, REMOTE_ADDR=OFFICE_IP
    )

    assert response.status_code == 200
    [created] = rows(tenant, object_type="API key")
    assert created.kind == "created"
    assert created.actor == f"{owner.full_name} <{owner.email}>"
    assert created.ip == OFFICE_IP
    assert created.object_label.startswith("RMM integration (")
    fields = {c.field: c.after for c in created.changes}
    assert fields["Name"] == "RMM integration"
    assert fields["Scopes"] == ["read"]
    assert not any("hash" in c.field.lower() for c in created.changes)


def test_a_change_through_the_api_names_the_api_key_as_the_actor(tenant):
    from rest_framework.test import APIClient

    _, clear_key = api_key_for(tenant, ["read", "write"], name="Booking bot")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {clear_key}")

    response = api.post("/api/v1/clients/", {"name": "Harbor House"}, format="json", REMOTE_ADDR=OFFICE_IP)

    assert response.status_code == 201
    [created] = rows(tenant, object_type="Client")
    assert created.actor == "API key “Booking bot”"
    assert created.ip == OFFICE_IP
    assert created.object_label == "Harbor House"
    with tenant_scope(tenant):
        key = ApiKey.objects.get(name="Booking bot")
    assert [r.object_label for r in rows(tenant, actor=f"key:{key.pk}")] == ["Harbor House"]


def test_a_failed_sign_in_is_logged_in_each_company_of_that_person_with_the_address_tried(
    client, tenant, other_tenant, owner
):
    from tests.factories import StaffMembershipFactory

    StaffMembershipFactory(tenant=other_tenant, user=owner, role=Role.TECHNICIAN)

    response = client.post(
        reverse("accounts:login"),
        {"username": owner.email.upper(), "password": "wrong"},
        REMOTE_ADDR=OFFICE_IP,
        HTTP_USER_AGENT=BROWSER,
    )

    assert response.status_code == 200
    for company in (tenant, other_tenant):
        [failed] = rows(company, kind=Action.SIGN_IN_FAILED)
        assert failed.actor == "anonymous"
        assert failed.ip == OFFICE_IP
        assert failed.user_agent == BROWSER
        assert failed.object_label == owner.email
        assert [(c.field, c.after) for c in failed.changes] == [("Email tried", owner.email.upper())]


def test_a_failed_sign_in_for_an_unknown_email_goes_to_the_application_log_only(client, tenant, caplog):
    with caplog.at_level(logging.INFO, logger="audit.services"):
        client.post(reverse("accounts:login"), {"username": "nobody@example.com", "password": "x"})

    assert "nobody@example.com" in caplog.text
    with cross_tenant("count every entry"):
        assert AuditEntry.objects.count() == 0


def test_a_sign_in_is_logged_in_the_company(client, tenant, owner, password):
    client.post(
        reverse("accounts:login"), {"username": owner.email, "password": password}, REMOTE_ADDR=OFFICE_IP
    )

    [signed_in] = rows(tenant, kind=Action.SIGN_IN)
    assert signed_in.actor == f"{owner.full_name} <{owner.email}>"
    assert signed_in.ip == OFFICE_IP


def test_another_companys_entries_never_show(client, login_as, tenant, other_tenant):
    ClientFactory(tenant=other_tenant, name="Their secret client")
    SlaPolicyFactory(tenant=other_tenant, name="Their policy", kind="tier", key="theirs")
    with tenant_scope(other_tenant):
        from audit.services import record

        record(
            action=Action.EXPORT, context={"actor": "x"}, object_type="CSV export", object_label="theirs.csv"
        )
    ClientFactory(tenant=tenant, name="Our client")
    login_as(tenant, Role.OWNER)

    html = page(client)
    assert "Our client" in html
    assert "Their secret client" not in html
    assert "Their policy" not in html
    assert "theirs.csv" not in html
    assert {r.object_label for r in rows(tenant)} >= {"Our client"}
    assert not {"Their secret client", "Their policy", "theirs.csv"} & {r.object_label for r in rows(tenant)}

    # PostgreSQL itself shows the tenant only its own history rows, whatever the query
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("SELECT name FROM clients_clientevent")
        assert [name for (name,) in cursor.fetchall()] == ["Our client"]
        cursor.execute("SELECT object_label FROM audit_auditentry")
        assert "theirs.csv" not in [label for (label,) in cursor.fetchall()]


@pytest.mark.parametrize("role", [Role.READ_ONLY, Role.MANAGER, Role.DISPATCHER])
def test_only_owners_may_open_the_audit_log(client, login_as, tenant, role):
    login_as(tenant, role)
    assert client.get(reverse("audit:log")).status_code == 403
    assert client.get(reverse("audit:log"), {"format": "csv"}).status_code == 403
    assert reverse("audit:log") not in client.get(reverse("clients:list")).content.decode()


def test_owners_find_the_audit_log_in_the_staff_navigation(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    assert f'href="{reverse("audit:log")}"' in client.get(reverse("clients:list")).content.decode()


def test_the_filtered_list_downloads_as_csv_and_the_download_is_itself_logged(client, login_as, tenant):
    owner = login_as(tenant, Role.OWNER)
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    ClientFactory(tenant=tenant, name="=HYPERLINK(evil)")
    SlaPolicyFactory(tenant=tenant, name="Gold", kind="tier", key="gold")

    response = client.get(
        reverse("audit:log"), {"object_type": "Client", "format": "csv"}, REMOTE_ADDR=OFFICE_IP
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(response.content.decode().lstrip("\ufeff"))))
    assert lines[0][:3] == ["When (America/New_York)", "Who", "IP"]
    assert sorted(line[7] for line in lines[1:]) == ["'=HYPERLINK(evil)", "Whitaker Residence"]

    [export] = rows(tenant, kind=Action.EXPORT)
    assert export.object_label == "audit-log.csv"
    assert export.actor == f"{owner.full_name} <{owner.email}>"
    assert export.ip == OFFICE_IP
    assert ("Filter “object_type”", None, "Client") in {(c.field, c.before, c.after) for c in export.changes}


def test_every_csv_download_of_a_staff_page_is_logged(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    response = client.get(reverse("billing:dispute_rate_csv"))
    assert response.status_code == 200

    [export] = rows(tenant, kind=Action.EXPORT)
    assert export.object_label.startswith("dispute-rate-")


def test_the_page_filters_by_action_object_type_text_and_dates(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    ClientFactory(tenant=tenant, name="Harbor House")

    # Part of the name, not of a person's: the owner's name is Faker's, and "whit" can be in it (Whitney).
    assert [r.object_label for r in rows(tenant, q="taker resid")] == ["Whitaker Residence"]
    assert rows(tenant, kind="deleted") == []
    html = page(
        client, q="harbor", kind="created", object_type="Client", since="2000-01-01", until="2999-12-31"
    )
    assert "Harbor House" in html
    assert "Whitaker Residence" not in html
    assert "No entry matches these filters." in page(client, since="2000-01-01", until="2000-01-02")
    # htmx asks for the results only
    fragment = client.get(reverse("audit:log"), {"q": "harbor"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Harbor House" in fragment
    assert '<nav class="navbar' not in fragment


def test_the_page_is_paginated_newest_first(client, login_as, tenant):
    login_as(tenant, Role.OWNER)
    for number in range(55):
        ClientFactory(tenant=tenant, name=f"Client {number:02d}")

    first = page(client, object_type="Client")
    cursor = re.search(r'href="\?object_type=Client&(?:amp;)?cursor=([\w-]+)" rel="next"', first)[1]
    second = page(client, object_type="Client", cursor=cursor)
    assert "Client 54" in first
    assert "Client 00" not in first
    assert "Client 00" in second
    assert "Client 54" not in second
    assert "55 entries" in first
    assert 'rel="prev">Previous<' in second


def test_keyset_pages_walk_every_entry_once_both_ways_even_when_rows_share_their_time(tenant):
    """History rows written in one transaction share their time: the source and id order them."""
    with tenant_scope(tenant), transaction.atomic():
        for number in range(4):
            ClientFactory(tenant=tenant, name=f"Same moment {number}")
    for number in range(3):
        ClientFactory(tenant=tenant, name=f"Later {number}")
    with tenant_scope(tenant):
        from audit.services import record

        record(action=Action.EXPORT, context={"actor": "x"}, object_label="a.csv")
        log = audit_log(tenant, AuditFilters())
        every = [row.key for row in log[0 : log.count()]]
        forward, pages, cursor = [], [], ""
        while True:
            pages.append(log.page(size=3, cursor=cursor))
            forward += [row.key for row in pages[-1].rows]
            if not (cursor := pages[-1].older):
                break
        backward, cursor = [row.key for row in pages[-1].rows], pages[-1].newer
        while cursor:
            earlier = log.page(size=3, cursor=cursor)
            backward, cursor = [row.key for row in earlier.rows] + backward, earlier.newer
        stale = log.page(size=3, cursor="not-a-cursor")
        capped = log.capped_count(cap=5)

    assert len(every) >= 8
    assert forward == backward == every
    assert [row.key for row in stale.rows] == every[:3]
    assert capped == (5, True)


def test_entries_and_history_rows_cannot_be_changed_or_deleted(tenant):
    ClientFactory(tenant=tenant, name="Kept")
    with tenant_scope(tenant):
        from audit.services import record

        entry = record(action=Action.EXPORT, context={"actor": "x"}, object_label="a.csv")
    for statement in (
        "UPDATE audit_auditentry SET actor = 'someone else'",
        "DELETE FROM audit_auditentry",
        "UPDATE clients_clientevent SET name = 'Rewritten'",
        "DELETE FROM clients_clientevent",
    ):
        # not granted to the web role (tenants.grants), and refused by a trigger as well
        with (
            pytest.raises(DatabaseError),
            tenant_scope(tenant),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(statement)
    with tenant_scope(tenant):
        assert AuditEntry.objects.get(pk=entry.pk).actor == "x"


def test_history_rows_read_as_pghistorys_aggregate_events_give_them(tenant, other_tenant):
    """The log reads each event table on its tenant index (audit.selectors._read_events), not through
    pghistory's aggregate Events, which filtered by the tenant in each row's JSON: the data and the diff
    of every row are still the ones Events gives, and another company's history stays out."""
    from pghistory.models import Events

    from audit.selectors import _read_events
    from clients.models import Client
    from tests.factories import ContactFactory

    for company, name in ((tenant, "Acme Dental"), (other_tenant, "Elsewhere Ltd")):
        with tenant_scope(company):
            acme = ClientFactory(tenant=company, name=name, email="desk@example.com", managed_endpoints=10)
            Client.objects.filter(pk=acme.pk).update(name=f"{name} Group", managed_endpoints=12)
            Client.objects.filter(pk=acme.pk).update(email="it@example.com")
            ContactFactory(tenant=company, client=acme).delete()
    with tenant_scope(tenant):
        log = audit_log(tenant, AuditFilters())
        ours = _read_events(log._events(), tenant.pk, limit=None)
        theirs = Events.objects.across(*[apps.get_model(label) for label, _ in log._events()]).filter(
            pgh_data__tenant_id=tenant.pk, pgh_label__in=["insert", "update", "delete"]
        )
        expected = {
            event.pgh_slug: (event.pgh_label, event.pgh_data, event.pgh_diff, event.pgh_context)
            for event in theirs
        }

    assert {e.pgh_slug: (e.pgh_label, e.pgh_data, e.pgh_diff, e.pgh_context) for e in ours} == expected
    assert {e.pgh_model for e in ours} >= {"clients.ClientEvent", "clients.ContactEvent"}
    assert all(e.pgh_data["tenant_id"] == tenant.pk for e in ours)
    renamed = next(e for e in ours if e.pgh_label == "update" and "name" in e.pgh_diff)
    assert renamed.pgh_diff == {"name": ["Acme Dental", "Acme Dental Group"], "managed_endpoints": [10, 12]}
