"""Acceptance: every staff URL and every API endpoint that names an object answers 404 when a user or
API key of tenant A names an object of tenant B. The URL conf is walked, so new routes are covered
(and a route whose object this test cannot build fails here until it is taught)."""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.models import ApiKey
from billing import disputes as billing_disputes
from billing import services as billing_services
from billing.models import CreditNote, Dispute, Invoice, Payment
from clients.models import Client, Contact, Site
from contracts.models import Agreement, Campaign, ContractTemplate, ContractVersion, Signature
from imports.models import ImportJob
from memberships.models import Plan, Subscription
from notifications.models import Notification
from rewards import referrals as rewards_referrals
from rewards import services as rewards_services
from rewards.best_practice_services import save_practice, save_tier
from rewards.models import (
    AnniversaryStep,
    ComplianceTier,
    Introduction,
    MonthlyAward,
    Nomination,
    Practice,
    PracticeCheck,
    Prospect,
    Referral,
    Reward,
    Spotlight,
)
from rewards.services import grant_reward
from service_levels.models import BusinessCalendar, ClosureDay, IssueType, SlaPolicy
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import (
    AgreementFactory,
    CalendarFactory,
    CampaignFactory,
    ClientFactory,
    ClosureDayFactory,
    ContactFactory,
    ContractTemplateFactory,
    ContractVersionFactory,
    ImportJobFactory,
    IssueTypeFactory,
    NotificationFactory,
    PlanFactory,
    SignatureFactory,
    SiteFactory,
    SlaPolicyFactory,
    StaffMembershipFactory,
    TenantFactory,
    TicketFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
    api_key_for,
    give_membership,
)
from tickets import services as ticket_services
from tickets.models import Reply, SlaClock, Ticket, TimeEntry
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

# Routes whose URL arguments are not tenant objects.
NOT_TENANT_OBJECTS = {
    "accounts:password_reset_confirm",
    # Client portal routes take a link's token, not an object id: the link names the tenant, contact and
    # agreement. tests/portal/test_portal_isolation.py checks a token never opens another tenant's data.
    *(f"portal:{name}" for name in ("open", "sign", "decline", "done", "pdf", "fresh_link")),
    # The portal's tickets pages: the token names the client; a ticket id is looked up among that client's
    # tickets only. tests/portal/test_portal_tickets.py checks another client's or tenant's ticket is a 404.
    *(
        f"portal:{name}"
        for name in ("tickets", "ticket_new", "ticket", "ticket_reply", "ticket_close", "ticket_reopen")
    ),
    # The plan pages of an account link: the token names the client; a plan id is looked up among the
    # options the page offers that client. tests/portal/test_portal_plan.py checks another tenant's plan
    # is not on offer.
    *(f"portal:{name}" for name in ("plan", "plan_choose", "plan_sign")),
    # The portal's invoice pages: the token names the client; an invoice id is looked up among that client's
    # issued invoices only. tests/portal/test_portal_invoices.py checks another client's or tenant's is a 404.
    *(f"portal:{name}" for name in ("invoices", "invoice", "invoice_pdf")),
    # The accounting export's `kind` names a file (invoices, credit notes, payments), not an object; the
    # files hold the current tenant's documents only (tests/billing/test_accounting_export.py).
    "billing:export_file",
    # Disputing from the portal: the same lookup among the link's client's invoices.
    # tests/portal/test_portal_disputes.py checks another client's or tenant's invoice is a 404.
    *(f"portal:{name}" for name in ("invoice_dispute", "dispute_reply", "dispute_accept", "dispute_drop")),
    # Referring from the portal: the token names the client, the referrer; nothing else is looked up.
    # tests/portal/test_portal_referrals.py checks only an account link opens them.
    *(f"portal:{name}" for name in ("refer", "referred", "referral_profile")),
    # The portal's rewards page: the token names the client, whose rewards only it shows
    # (tests/rewards/test_portal_rewards.py).
    "portal:rewards",
    # The client's spotlight in the portal: the token names the client, whose own spotlight it opens.
    "portal:spotlight",
    # The public spotlight page: its share token is looked up across tenants on purpose, and shows only a
    # published spotlight (tests/rewards/test_customer_of_the_month_pages.py).
    "spotlight:public",
}

FACTORIES = {
    Client: lambda tenant: ClientFactory(tenant=tenant),
    Contact: lambda tenant: ContactFactory(client=ClientFactory(tenant=tenant)),
    Site: lambda tenant: SiteFactory(client=ClientFactory(tenant=tenant)),
    ApiKey: lambda tenant: api_key_for(tenant, name="Theirs")[0],
    StaffMembership: lambda tenant: StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN),
    BusinessCalendar: lambda tenant: CalendarFactory(tenant=tenant),
    ClosureDay: lambda tenant: ClosureDayFactory(calendar=CalendarFactory(tenant=tenant)),
    SlaPolicy: lambda tenant: SlaPolicyFactory(tenant=tenant),
    IssueType: lambda tenant: IssueTypeFactory(tenant=tenant),
    ContractTemplate: lambda tenant: ContractTemplateFactory(tenant=tenant),
    ContractVersion: lambda tenant: ContractVersionFactory(template=ContractTemplateFactory(tenant=tenant)),
    Agreement: lambda tenant: AgreementFactory(client=ClientFactory(tenant=tenant)),
    Campaign: lambda tenant: CampaignFactory(tenant=tenant),
    Signature: lambda tenant: SignatureFactory(
        agreement=AgreementFactory(client=ClientFactory(tenant=tenant))
    ),
    Notification: lambda tenant: NotificationFactory(
        tenant=tenant, recipient=StaffMembershipFactory(tenant=tenant).user
    ),
    WebhookEndpoint: lambda tenant: WebhookEndpointFactory(tenant=tenant),
    WebhookDelivery: lambda tenant: WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=tenant)),
    ImportJob: lambda tenant: ImportJobFactory(tenant=tenant),
}


def _their_clock(tenant):
    ticket = TicketFactory(client__tenant=tenant)
    calendar = CalendarFactory(tenant=tenant)
    with tenant_scope(tenant):
        return SlaClock.objects.create(
            tenant=tenant, ticket=ticket, metric="first_response", target_minutes=60, calendar=calendar,
            policy_name="Theirs", started_at=ticket.created_at,
        )  # fmt: skip


def _their_reply(tenant):
    ticket = TicketFactory(client__tenant=tenant)
    with tenant_scope(tenant):
        return ticket_services.add_reply(ticket, body="Theirs", is_public=False)


def _their_time_entry(tenant):
    ticket = TicketFactory(client__tenant=tenant)
    technician = StaffMembershipFactory(tenant=tenant, role=Role.TECHNICIAN).user
    with tenant_scope(tenant):
        return ticket_services.log_time(
            ticket, technician=technician, work_type="repair", minutes=30, location="remote"
        )


def _their_invoice(tenant):
    return issued_invoice(ClientFactory(tenant=tenant), [("labour", "Theirs", "80.00")])


def _their_credit_note(tenant):
    invoice = _their_invoice(tenant)
    with tenant_scope(tenant):
        return billing_services.void_invoice(invoice, reason="Theirs", actor="them")


def _their_dispute(tenant):
    invoice = _their_invoice(tenant)
    with tenant_scope(tenant):
        return billing_disputes.open_dispute(invoice, reason="Theirs", party="staff", actor="them")


def _their_referral(tenant):
    referrer = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        return rewards_referrals.refer_prospect(
            referrer=referrer, name="Theirs", email="theirs@referral.example", source="staff", actor="them"
        )


def _their_prospect(tenant):
    with tenant_scope(tenant):
        return rewards_referrals.record_prospect(name="Theirs")


def _their_introduction(tenant):
    seller, buyer = ClientFactory(tenant=tenant), ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        return rewards_referrals.propose_introduction(
            client=seller, to_client=buyer, reason="x", actor="them"
        )


def _their_reward(tenant):
    client = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        return rewards_services.grant_reward(
            client,
            program="anniversary",
            key="year-1",
            kind="gift",
            title="Theirs",
            reason="Theirs",
            actor="them",
        ).reward


def _their_payment(tenant):
    invoice = _their_invoice(tenant)
    with tenant_scope(tenant):
        return billing_services.record_payment(invoice, 10, invoice.issued_on, "cash", "", "them")


FACTORIES.update({
    Invoice: _their_invoice,
    CreditNote: _their_credit_note,
    Payment: _their_payment,
    Dispute: _their_dispute,
    Reward: _their_reward,
    Ticket: lambda tenant: TicketFactory(client__tenant=tenant),
    SlaClock: _their_clock,
    Reply: _their_reply,
    TimeEntry: _their_time_entry,
    Plan: lambda tenant: PlanFactory(tenant=tenant, key="theirs"),
    Subscription: lambda tenant: give_membership(AgreementFactory(client=ClientFactory(tenant=tenant))),
    Referral: _their_referral,
    Prospect: _their_prospect,
    Introduction: _their_introduction,
})  # fmt: skip


def _their_practice(tenant):
    with tenant_scope(tenant):
        return save_practice(name=f"Theirs {Practice.objects.count()}", weight=1)


def _their_tier(tenant):
    with tenant_scope(tenant):
        count = ComplianceTier.objects.count()
        return save_tier(name=f"Theirs {count}", threshold_percent=50 + count, discount_percent=5)


def _their_check(tenant):
    practice, client = _their_practice(tenant), ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        return PracticeCheck.objects.create(
            tenant=tenant,
            client=client,
            practice=practice,
            result="met",
            checked_on="2026-12-01",
            checked_by_name="them",
            evidence=f"best-practices/tenant-{tenant.pk}/theirs.pdf",
            evidence_name="theirs.pdf",
            evidence_type="application/pdf",
        )


FACTORIES.update({Practice: _their_practice, ComplianceTier: _their_tier, PracticeCheck: _their_check})


def _their_nomination(tenant):
    with tenant_scope(tenant):
        return Nomination.objects.create(
            tenant=tenant,
            client=ClientFactory(tenant=tenant),
            month="2026-12-01",
            category="other",
            reason="Theirs",
            created_at="2026-12-02T10:00:00Z",
        )


def _their_spotlight(tenant):
    with tenant_scope(tenant):
        month = date(2026, 11 - MonthlyAward.objects.count(), 1)  # one award per month
        award = MonthlyAward.objects.create(tenant=tenant, month=month, client=ClientFactory(tenant=tenant))
        return Spotlight.objects.create(tenant=tenant, award=award, share_token=f"theirs-{award.pk}")


def _their_gift(tenant):
    with tenant_scope(tenant):
        return grant_reward(
            ClientFactory(tenant=tenant),
            program="anniversary",
            key="year-1-gift",
            kind="gift",
            title="Theirs",
            reason="Theirs",
            actor="them",
        ).reward


def _their_step(tenant):
    with tenant_scope(tenant):
        years = AnniversaryStep.objects.count() + 1  # a new year each time: one step per year
        return AnniversaryStep.objects.create(tenant=tenant, years=years, gift="Theirs")


FACTORIES.update(
    {
        Nomination: _their_nomination,
        Spotlight: _their_spotlight,
        Reward: _their_gift,
        AnniversaryStep: _their_step,
    }
)

# Which model a URL argument names, beyond `pk` (the view's own model).
ARGUMENT_MODELS = {"client_pk": Client}


def walk(patterns=None, namespace=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def argument_names(entry: URLPattern) -> list[str]:
    pattern = entry.pattern
    return list(getattr(pattern, "converters", {}) or pattern.regex.groupindex)


def view_class(entry: URLPattern):
    callback = entry.callback
    return getattr(callback, "view_class", None) or getattr(callback, "cls", None)


def methods(entry: URLPattern) -> list[str]:
    callback = entry.callback
    if hasattr(callback, "actions"):  # DRF viewset route
        return [method for method in callback.actions if method not in ("options", "head")]
    cls = callback.view_class
    return [m for m in cls.http_method_names if m not in ("options", "head") and hasattr(cls, m)]


def routes_with_objects():
    found = []
    for name, entry in walk():
        arguments = argument_names(entry)
        if not arguments or name in NOT_TENANT_OBJECTS:
            continue
        cls = view_class(entry)
        models = {arg: ARGUMENT_MODELS.get(arg) or (getattr(cls, "model", None) if arg == "pk" else None)
                  for arg in arguments}  # fmt: skip
        found.append((name, entry, models))
    return found


def test_the_walk_finds_the_staff_and_api_routes():
    names = {name for name, _, _ in routes_with_objects()}
    assert {"clients:detail", "clients:contact_update", "clients:site_create", "api_keys:revoke"} <= names
    assert {"api:client-detail", "api:contact-detail", "api:site-detail"} <= names


def test_every_route_that_names_an_object_says_which_model_it_is():
    unknown = [
        (name, arg) for name, _, models in routes_with_objects() for arg, m in models.items() if m is None
    ]
    assert unknown == [], "Teach ARGUMENT_MODELS (or set `model` on the view) for these URL arguments"
    untested = {m for _, _, models in routes_with_objects() for m in models.values()} - set(FACTORIES)
    assert untested == set(), "Add a factory to FACTORIES for these models"


def _requests(client, url, entry, **extra):
    for method in methods(entry):
        response = getattr(client, method)(url, data={} if method == "get" else None, **extra)
        yield method, response.status_code


def test_staff_of_tenant_a_get_404_for_every_object_of_tenant_b(client):
    tenant_a, tenant_b = TenantFactory(), TenantFactory()
    client.force_login(StaffMembershipFactory(tenant=tenant_a, role=Role.OWNER).user)
    failures, checked = [], 0
    for name, entry, models in routes_with_objects():
        kwargs = {arg: FACTORIES[model](tenant_b).pk for arg, model in models.items()}
        url = reverse(name, kwargs=kwargs)
        for method, status in _requests(client, url, entry):
            checked += 1
            if status != 404:
                failures.append(f"{method.upper()} {url} ({name}) -> {status}")
    assert failures == []
    assert checked >= 20  # staff pages and API routes, each with every method it serves


def test_api_keys_of_tenant_a_get_404_for_every_object_of_tenant_b(client):
    tenant_a, tenant_b = TenantFactory(), TenantFactory()
    _, clear_key = api_key_for(tenant_a, scopes=("read", "write"))
    failures, checked = [], 0
    for name, entry, models in routes_with_objects():
        if not name.startswith("api:"):
            continue
        kwargs = {arg: FACTORIES[model](tenant_b).pk for arg, model in models.items()}
        url = reverse(name, kwargs=kwargs)
        for method, status in _requests(
            client, url, entry, HTTP_AUTHORIZATION=f"Bearer {clear_key}", content_type="application/json"
        ):
            checked += 1
            if status != 404:
                failures.append(f"{method.upper()} {url} ({name}) -> {status}")
    assert failures == []
    assert checked >= 12  # get, put, patch, delete on each resource


def test_lists_show_nothing_of_another_tenant(client):
    tenant_a, tenant_b = TenantFactory(), TenantFactory()
    ClientFactory(tenant=tenant_a, name="Ours Residence")
    ClientFactory(tenant=tenant_b, name="Theirs Residence")
    client.force_login(StaffMembershipFactory(tenant=tenant_a, role=Role.OWNER).user)
    page = client.get(reverse("clients:list")).content.decode()
    assert "Ours Residence" in page
    assert "Theirs Residence" not in page
    _, clear_key = api_key_for(tenant_a, scopes=("read",))
    names = [
        c["name"]
        for c in client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Bearer {clear_key}").json()["results"]
    ]
    assert names == ["Ours Residence"]
