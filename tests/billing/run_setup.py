"""Building blocks of the billing-run tests: plans, members (a client with a signed service contract and a
membership started through memberships.services) and their work (logged through tickets.services)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from billing.models import BillingAccount, BillingSettings, CreditEntry, Invoice, InvoiceLine
from billing.runs import RunResult, run_billing
from memberships import services as memberships
from memberships.models import Plan, PlanKind, Subscription
from tenants.models import StaffMembership
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, StaffMembershipFactory, UserFactory
from tickets import services as tickets
from tickets.models import TimeEntry

# The agreement's version (tests.factories.ContractVersionFactory) bills $120/h remote and $160/h on
# site, after hours x1.5; remote support is covered and installation billable.
BILLABLE = "installation"
COVERED = "remote_support"


@dataclass
class Catalog:
    gold: Plan
    silver: Plan
    premium: Plan  # a rider


def catalog(tenant) -> Catalog:
    """Gold ($100/month, $1,000/year, 10% off labour), Silver ($60/month) and the Premium Response rider
    ($25/month, $250/year)."""
    with tenant_scope(tenant):
        gold = memberships.save_plan(
            Plan(
                tenant=tenant,
                kind=PlanKind.TIER,
                key="gold",
                name="Gold",
                monthly_price=Decimal("100.00"),
                annual_price=Decimal("1000.00"),
                rank=2,
                labour_discount_percent=Decimal("10"),
            )
        )
        silver = memberships.save_plan(
            Plan(
                tenant=tenant,
                kind=PlanKind.TIER,
                key="silver",
                name="Silver",
                monthly_price=Decimal("60.00"),
                rank=1,
            )
        )
        premium = memberships.save_plan(
            Plan(
                tenant=tenant,
                kind=PlanKind.RIDER,
                key="premium-response",
                name="Premium Response",
                monthly_price=Decimal("25.00"),
                annual_price=Decimal("250.00"),
            )
        )
    return Catalog(gold, silver, premium)


def customer(
    tenant, name: str, *, contract_from: date = date(2025, 1, 1), zone: str = "", tax: str | None = None
):
    """A client with an active service contract from ``contract_from`` (for rates and coverage)."""
    client = ClientFactory(tenant=tenant, name=name, email=f"{name.split()[0].lower()}@client.example")
    AgreementFactory(
        tenant=tenant, client=client, starts_on=contract_from, ends_on=contract_from + timedelta(days=3650)
    )
    if zone or tax is not None:
        with tenant_scope(tenant):
            BillingAccount.objects.create(
                tenant=tenant, client=client, timezone=zone, tax_rate_percent=Decimal(tax) if tax else None
            )
    return client


def subscribe(
    tenant,
    client,
    *,
    started_on: date,
    tier: Plan | None,
    riders=(),
    cycle="monthly",
    anchor_day: int | None = None,
    tier_price: Decimal | None = None,
) -> Subscription:
    with tenant_scope(tenant):
        holding = memberships.requested_holding(tier=tier, riders=riders, cycle=cycle, tier_price=tier_price)
        agreement = client.agreements.order_by("pk").first()
        return memberships.start_subscription(
            client=client,
            agreement=agreement,
            holding=holding,
            started_on=started_on,
            actor="test",
            anchor_day=anchor_day,
        )


def technician(tenant, name: str = "Jo Tech"):
    user = UserFactory(full_name=name)
    StaffMembershipFactory(tenant=tenant, user=user, role=Role.TECHNICIAN)
    return user


def work(
    tenant,
    client,
    *,
    on: date,
    minutes: int,
    tech=None,
    billable: bool = True,
    after_hours: bool = False,
    location: str = "remote",
    title: str = "Lounge TV has no picture",
) -> TimeEntry:
    with tenant_scope(tenant):
        tech = tech or StaffMembership.objects.filter(role=Role.TECHNICIAN).first().user
        ticket = tickets.open_ticket(client=client, title=title)
        return tickets.log_time(
            ticket,
            technician=tech,
            work_type=BILLABLE if billable else COVERED,
            minutes=minutes,
            location=location,
            worked_on=on,
            after_hours=after_hours,
        )


def grant_credit(tenant, client, amount: str, *, on: date, reason: str = "Referral reward"):
    with tenant_scope(tenant):
        return CreditEntry.objects.create(
            tenant=tenant,
            client=client,
            amount=Decimal(amount),
            reason=reason,
            source="rewards",
            granted_on=on,
        )


def company_settings(tenant, **values) -> BillingSettings:
    with tenant_scope(tenant):
        settings, _ = BillingSettings.objects.update_or_create(tenant=tenant, defaults=values)
        return settings


def bill(tenant, on: date | None = None) -> RunResult:
    return run_billing(on=on, tenant=tenant)


def invoices_of(tenant, client=None) -> list[Invoice]:
    with tenant_scope(tenant):
        found = Invoice.objects.select_related("client").prefetch_related("lines").order_by("sequence")
        if client is not None:
            found = found.filter(client=client)
        return list(found)


def lines_of(tenant, **filters) -> list[InvoiceLine]:
    with tenant_scope(tenant):
        return list(
            InvoiceLine.objects.filter(**filters)
            .select_related("invoice")
            .order_by("invoice__sequence", "position")
        )
