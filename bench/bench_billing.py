"""How long the billing run takes for 10,000 memberships and their time entries, against a naive loop.

Builds, in a scratch database `<app db>_bench_billing` and with bulk SQL: one company with 10,000
members (monthly and annual, riders, first partial periods, cancellations, upgrades with proration
charges, account credit) started between 2 Oct and 1 Dec 2026, 1,000 clients without a membership,
and three time entries per client (covered or billable, remote or on site, some after hours).

On the same data, for 1 Dec 2026: first the naive loop (per client and per subscription: ORM queries
for phases, riders, entries, charges and credit, then each invoice created line by line and issued
through ``billing.issuing.issue``) inside a transaction that is rolled back; then
``billing.runs.run_billing``. Both must issue the same invoices with the same numbers and totals.
Prints both times and the ratio, and the time of a second run (which finds everything issued).
Target for the run: < 60 s, aim < 10 s. The naive loop takes minutes: BENCH_BILLING_MEMBERS=1000 for a
quick look.
"""

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")

import django

from bench.scratch import as_web, as_worker, owner_connection, scratch_database

MEMBERS = int(os.environ.get("BENCH_BILLING_MEMBERS", "10000"))  # smaller for a quick look
OTHERS = MEMBERS // 10
ENTRIES_PER_CLIENT = 3
RUN_DAY = "2026-12-01"


def main() -> None:
    django.setup()
    from django.conf import settings

    app_database = settings.DATABASES["default"]["NAME"]
    with scratch_database("bench_billing") as bench_name:
        run(bench_name, app_database)


def _admin(dbname: str):
    return owner_connection(dbname)


@contextmanager
def copy_of(name: str, admin_database: str) -> Iterator[str]:
    """A copy of the seeded database (CREATE DATABASE … TEMPLATE), dropped afterwards: the naive loop
    runs on it, so both contenders start from the same rows, statistics and empty invoice tables."""
    from django.db import connections

    copy = f"{name}_naive"
    connections.close_all()  # a template database must have no other connection
    admin = _admin(admin_database)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
            cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
        yield copy
    finally:
        connections.close_all()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        admin.close()


@contextmanager
def connected_to(name: str) -> Iterator[None]:
    from django.conf import settings
    from django.db import connection, connections

    previous = settings.DATABASES["default"]["NAME"]
    connections.close_all()
    settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = name
    try:
        yield
    finally:
        connections.close_all()
        settings.DATABASES["default"]["NAME"] = connection.settings_dict["NAME"] = previous


SEED = """
SELECT setseed(0.42);
INSERT INTO tenants_tenant (name, slug, timezone, currency, country, subdivision, is_active, created_at, reply_to_email)
VALUES ('Bench AV', 'bench-av', 'America/New_York', 'USD', 'US', 'NY', true, now(), '');
CREATE TEMP TABLE bench AS SELECT (SELECT id FROM tenants_tenant WHERE slug = 'bench-av') AS tenant;

INSERT INTO billing_billingsettings (tenant_id, tax_rate_percent, tax_label, payment_terms_days, run_hour, invoice_footer,
    membership_account_code, labour_account_code, xero_tax_type, xero_exempt_tax_type, qbo_tax_code, qbo_exempt_tax_code)
SELECT tenant, 8.875, 'Sales tax', 14, 6, 'Pay by bank transfer.', '200', '200', 'Tax on Sales', 'Tax Exempt', 'TAX', 'NON'
FROM bench;
INSERT INTO accounts_user (password, is_superuser, email, full_name, is_active, is_staff, date_joined)
VALUES ('!', false, 'jo@bench.example', 'Jo Tech', true, false, now());

INSERT INTO clients_client (tenant_id, name, email, phone, managed_endpoints, notes, created_at, updated_at)
SELECT tenant, 'Client ' || lpad(n::text, 5, '0'), 'client' || n || '@bench.example', '', 10, '', now(), now()
FROM bench, generate_series(1, %(clients)s) AS n;
CREATE TEMP TABLE numbered AS
SELECT id, row_number() OVER (ORDER BY id) AS n FROM clients_client;

INSERT INTO contracts_contracttemplate (tenant_id, name, kind, description, created_at)
SELECT tenant, 'Service agreement', 'service_contract', '', now() FROM bench;
INSERT INTO contracts_contractversion (tenant_id, template_id, number, status, title, terms_markdown, sla_markdown,
    coverage, hourly_rate_remote, hourly_rate_onsite, after_hours_multiplier, billing_terms, term_months, auto_renew,
    notice_days, created_at, published_at)
SELECT tenant, (SELECT id FROM contracts_contracttemplate), 1, 'published', 'Service Agreement', 'Terms', '',
    '[{"category": "", "work_type": "remote_support", "covered": true, "note": ""}]', 120, 160, 1.5, '', 12, true, 30,
    now(), now()
FROM bench;
INSERT INTO contracts_agreement (tenant_id, client_id, version_id, status, auto_renew, declined_reason, starts_on,
    ends_on, created_at, updated_at)
SELECT tenant, id, (SELECT id FROM contracts_contractversion), 'active', true, '', date '2026-01-01',
    date '2027-12-31', now(), now()
FROM bench, numbered WHERE n <= %(members)s;

INSERT INTO memberships_plan (tenant_id, kind, key, name, description, monthly_price, annual_price, rank,
    proactive_monitoring, priority_onsite, onsite_visits_included, hours_included, labour_discount_percent, created_at,
    updated_at)
SELECT tenant, kind, key, name, '', monthly, annual, rank, false, false, 0, 0, discount, now(), now()
FROM bench, (VALUES ('tier', 'silver', 'Silver', 60.00, 600.00, 1, 5.00),
                    ('tier', 'gold', 'Gold', 100.00, 1000.00, 2, 10.00),
                    ('tier', 'platinum', 'Platinum', 200.00, 2000.00, 3, 15.00),
                    ('rider', 'premium-response', 'Premium Response', 25.00, 250.00, 0, 0.00))
     AS p(kind, key, name, monthly, annual, rank, discount);

-- One membership per member: started 2 Oct to 1 Dec; every tenth anchored on the 1st (a first partial
-- period), every seventh annual, every twentieth cancelled after its first month.
INSERT INTO memberships_subscription (tenant_id, client_id, agreement_id, status, started_on, anchor_day, anchor_month,
    ends_on, created_at, updated_at)
SELECT b.tenant, c.id, a.id, 'active', s.started, CASE WHEN c.n %% 10 = 0 THEN 1 ELSE extract(day FROM s.started) END,
    extract(month FROM s.started), CASE WHEN c.n %% 20 = 7 THEN (s.started + interval '1 month')::date END, now(), now()
FROM bench b JOIN numbered c ON c.n <= %(members)s JOIN contracts_agreement a ON a.client_id = c.id
CROSS JOIN LATERAL (SELECT date '2026-10-02' + (c.n %% 61)::int AS started) s;
CREATE TEMP TABLE members AS
SELECT s.id, s.started_on, c.n,
       (ARRAY['silver', 'gold', 'platinum'])[1 + c.n %% 3] AS tier,
       CASE WHEN c.n %% 7 = 0 THEN 'annual' ELSE 'monthly' END AS cycle,
       c.n %% 25 = 3 AND c.n %% 7 <> 0 AS upgraded
FROM memberships_subscription s JOIN numbered c ON c.id = s.client_id;

INSERT INTO memberships_subscriptionphase (tenant_id, subscription_id, starts_on, ends_on, plan_id, billing_cycle,
    plan_price, announced_at, created_at)
SELECT b.tenant, m.id, m.started_on, CASE WHEN m.upgraded THEN m.started_on + 20 END, p.id, m.cycle,
    CASE WHEN m.cycle = 'annual' THEN p.annual_price ELSE p.monthly_price END, now(), now()
FROM bench b, members m JOIN memberships_plan p ON p.key = m.tier;
-- Every 25th member moved up to Platinum 20 days in, with that change's proration charges
INSERT INTO memberships_subscriptionphase (tenant_id, subscription_id, starts_on, ends_on, plan_id, billing_cycle,
    plan_price, announced_at, created_at)
SELECT b.tenant, m.id, m.started_on + 20, NULL, p.id, 'monthly', p.monthly_price, now(), now()
FROM bench b, members m JOIN memberships_plan p ON p.key = 'platinum' WHERE m.upgraded;
INSERT INTO memberships_subscriptionchange (tenant_id, subscription_id, kind, effective_on, summary, before, after,
    actor, at)
SELECT b.tenant, m.id, 'upgraded', m.started_on + 20, 'Upgraded to Platinum', '{}', '{}', 'bench', now()
FROM bench b, members m WHERE m.upgraded;
INSERT INTO billing_prorationcharge (tenant_id, subscription_id, change_id, plan_id, "on", period_start, period_end,
    description, amount, created_at)
SELECT b.tenant, m.id, ch.id, p.id, m.started_on + 20, m.started_on, (m.started_on + interval '1 month')::date,
    CASE WHEN sign > 0 THEN 'Platinum, rest of the period' ELSE 'Unused ' || m.tier || ', rest of the period' END,
    sign * round((CASE WHEN sign > 0 THEN 200 ELSE p.monthly_price END) * 10 / 30.0, 2), now()
FROM bench b, members m JOIN memberships_subscriptionchange ch ON ch.subscription_id = m.id
CROSS JOIN (VALUES (1), (-1)) AS s(sign)
JOIN memberships_plan p ON p.key = CASE WHEN sign > 0 THEN 'platinum' ELSE m.tier END;

INSERT INTO memberships_phaserider (tenant_id, phase_id, rider_id, price)
SELECT b.tenant, ph.id, r.id, CASE WHEN ph.billing_cycle = 'annual' THEN 250 ELSE 25 END
FROM bench b, members m JOIN memberships_subscriptionphase ph ON ph.subscription_id = m.id
JOIN memberships_plan r ON r.key = 'premium-response' WHERE m.n %% 10 < 3;

-- One ticket per client, three entries each in October and November
INSERT INTO tickets_ticket (tenant_id, number, client_id, title, description, impact, urgency, priority, work_location,
    channel, status, sla_policy_name, sla_reasons, sla_pause_statuses, created_at, updated_at)
SELECT b.tenant, c.n, c.id, 'Bench ticket ' || c.n, '', 'medium', 'medium', 'P3', 'remote', 'staff', 'resolved',
    'Bench', '[]', '[]', now(), now()
FROM bench b, numbered c;
INSERT INTO tickets_timeentry (tenant_id, ticket_id, technician_id, work_type, minutes, location, notes, worked_on,
    cost_rate, covered, coverage_reason, bill_rate, after_hours, rate_multiplier, created_at)
SELECT b.tenant, t.id, (SELECT id FROM accounts_user WHERE email = 'jo@bench.example'),
    CASE WHEN covered THEN 'remote_support' ELSE 'installation' END, 15 + (c.n * 7 + k * 11) %% 166,
    CASE WHEN onsite THEN 'on_site' ELSE 'remote' END, '', date '2026-10-01' + ((c.n * 7 + k * 13) %% 61)::int, 48,
    covered, CASE WHEN covered THEN 'Remote support is covered by the agreement.'
                  ELSE 'New installation is billable by the agreement.' END,
    CASE WHEN covered THEN 0 WHEN onsite THEN 160 ELSE 120 END, late,
    CASE WHEN late AND NOT covered THEN 1.5 ELSE 1 END, now()
FROM bench b JOIN numbered c ON true JOIN tickets_ticket t ON t.client_id = c.id
CROSS JOIN generate_series(1, %(entries)s) AS k
CROSS JOIN LATERAL (SELECT (c.n + k) %% 5 = 0 AS covered, (c.n + k) %% 3 = 0 AS onsite, (c.n + k) %% 7 = 0 AS late) f;

INSERT INTO billing_creditentry (tenant_id, client_id, amount, reason, source, granted_on, actor, created_at)
SELECT b.tenant, c.id, 50, 'Referral reward', 'rewards', date '2026-10-15', 'bench', now()
FROM bench b, numbered c WHERE c.n %% 20 = 0;
ANALYZE;
"""


def seed() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(as_worker())
        cursor.execute(SEED, {"clients": MEMBERS + OTHERS, "members": MEMBERS, "entries": ENTRIES_PER_CLIENT})
        cursor.execute(as_web())


def naive_run(tenant, on):
    """The obvious loop, one transaction per client: per client, per subscription and per phase ORM
    queries, each invoice written line by line and issued on its own (same rules: billing.run_plan)."""
    from billing.issuing import billing_settings
    from clients.models import Client
    from tenants.scope import tenant_scope

    with tenant_scope(tenant):
        settings = billing_settings(tenant.pk)
        client_ids = list(Client.objects.order_by("pk").values_list("pk", flat=True))
    issued = []
    for client_id in client_ids:
        with tenant_scope(tenant):  # one transaction per client
            issued += _naive_client(tenant, Client.objects.get(pk=client_id), on, settings)
    return issued


def _naive_client(tenant, client, on, settings) -> list[tuple]:
    from django.db.models import Sum

    from billing.issuing import issue, tax_rate_for
    from billing.models import (
        CreditEntry,
        Invoice,
        InvoiceKind,
        InvoiceLine,
        InvoiceStatus,
        LineKind,
        ProrationCharge,
    )
    from billing.run_plan import (
        Charge,
        ClientLedger,
        PhaseTerms,
        PlanItem,
        SubscriptionTerms,
        WorkEntry,
        invoices_due,
    )
    from memberships.models import Subscription
    from tickets.models import TimeEntry

    issued = []
    subscriptions = []
    for subscription in Subscription.objects.filter(client=client).order_by("pk"):
        phases = []
        for phase in subscription.phases.order_by("starts_on", "pk"):
            tier = phase.plan
            riders = tuple(
                (PlanItem(item.rider.pk, item.rider.name), item.price)
                for item in phase.riders.order_by("rider__name", "pk")
            )
            phases.append(
                PhaseTerms(
                    phase.starts_on,
                    phase.ends_on,
                    phase.billing_cycle,
                    PlanItem(tier.pk, tier.name, tier.labour_discount_percent) if tier else None,
                    phase.plan_price,
                    riders,
                )
            )
        subscriptions.append(
            SubscriptionTerms(
                subscription.pk,
                subscription.started_on,
                subscription.ends_on,
                subscription.anchor_day,
                subscription.anchor_month,
                tuple(phases),
            )
        )
    entries = [
        WorkEntry(
            entry.pk,
            entry.worked_on,
            entry.minutes,
            entry.bill_rate,
            entry.rate_multiplier,
            entry.get_location_display().lower(),
            entry.ticket.number,
            entry.ticket.title,
            entry.technician.full_name or entry.technician.email,
            entry.coverage_reason,
        )
        for entry in TimeEntry.objects.filter(
            ticket__client=client,
            covered=False,
            bill_rate__gt=0,
            worked_on__lt=on,
            invoice_line__isnull=True,
        )
    ]
    charges = [
        Charge(
            charge.pk,
            charge.on,
            charge.description,
            charge.amount,
            charge.subscription_id,
            charge.plan_id,
            charge.period_start,
            charge.period_end,
        )
        for charge in ProrationCharge.objects.filter(
            subscription__client=client, on__lt=on, invoice_line__isnull=True
        )
    ]
    invoices = Invoice.objects.filter(client=client)
    ledger = ClientLedger(
        client_id=client.pk,
        day=on,
        currency=tenant.currency,
        tax_rate_percent=tax_rate_for(client, settings),
        subscriptions=tuple(subscriptions),
        invoiced_periods=frozenset(
            invoices.filter(kind=InvoiceKind.SUBSCRIPTION).values_list("subscription_id", "period_start")
        ),
        invoiced_labour_months=frozenset(
            invoices.filter(kind=InvoiceKind.LABOUR).values_list("period_start", flat=True)
        ),
        entries=tuple(entries),
        charges=tuple(charges),
        credit_balance=CreditEntry.objects.filter(client=client).aggregate(total=Sum("amount"))["total"] or 0,
    )
    for draft in invoices_due(ledger):
        invoice = Invoice.objects.create(
            tenant=tenant,
            client=client,
            kind=draft.kind,
            subscription_id=draft.subscription_id,
            period_start=draft.period_start,
            period_end=draft.period_end,
            status=InvoiceStatus.DRAFT,
            currency=draft.currency,
            tax_rate_percent=draft.tax_rate_percent,
            tax_label=settings.tax_label,
            bill_to_name=client.name,
            bill_to_email=client.email,
            footer=settings.invoice_footer,
        )
        for position, line in enumerate(draft.lines, start=1):
            saved = InvoiceLine.objects.create(
                tenant=tenant,
                invoice=invoice,
                position=position,
                kind=line.kind,
                description=line.description,
                detail=line.detail,
                period_start=line.period_start,
                period_end=line.period_end,
                quantity=line.quantity,
                unit_price=line.unit_price,
                amount=line.amount,
                taxable=line.taxable,
                subscription_id=line.subscription_id,
                plan_id=line.plan_id,
                time_entry_id=line.time_entry_id,
                charge_id=line.charge_id,
            )
            if line.kind == LineKind.CREDIT:
                CreditEntry.objects.create(
                    tenant=tenant,
                    client=client,
                    amount=line.amount,
                    reason="Used on an invoice",
                    source="billing",
                    granted_on=on,
                    invoice_line=saved,
                    actor="bench",
                )
        invoice = issue(invoice, on=on, actor="bench")
        issued.append((invoice.client_id, invoice.kind, invoice.period_start, invoice.number, invoice.total))
    return issued


def run(bench_name: str, admin_database: str) -> None:
    from datetime import date

    from django.db import connection

    from billing.models import Invoice, InvoiceLine
    from billing.runs import run_billing
    from tenants.models import Tenant
    from tenants.scope import tenant_scope

    started = time.perf_counter()
    seed()
    with connection.cursor() as cursor:
        cursor.execute(as_worker())
        cursor.execute("SELECT count(*) FROM memberships_subscription")
        subscriptions = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM tickets_timeentry")
        entries = cursor.fetchone()[0]
        cursor.execute(as_web())
    print(
        f"seeded {subscriptions:,} memberships, {MEMBERS + OTHERS:,} clients and {entries:,} time entries "
        f"in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    on = date.fromisoformat(RUN_DAY)

    with copy_of(bench_name, admin_database) as copy:
        tenant = Tenant.objects.get(slug="bench-av")
        print("billing run…", flush=True)
        started = time.perf_counter()
        result = run_billing(on=on, tenant=tenant)
        run_seconds = time.perf_counter() - started
        with tenant_scope(tenant):
            lines = InvoiceLine.objects.count()
            issued = list(
                Invoice.objects.order_by("sequence").values_list(
                    "client_id", "kind", "period_start", "number", "total"
                )
            )
        print(
            f"  billing run: {len(result.invoices):,} invoices, {lines:,} lines, "
            f"{result.totals()['USD']:,} USD in {run_seconds:.1f} s",
            flush=True,
        )
        started = time.perf_counter()
        again = run_billing(on=on, tenant=tenant)
        again_seconds = time.perf_counter() - started
        assert again.invoices == [], "a second run issued invoices"

        print("naive loop, on a copy of the seeded database…", flush=True)
        with connected_to(copy):
            tenant = Tenant.objects.get(slug="bench-av")
            started = time.perf_counter()
            naive = naive_run(tenant, on)
            naive_seconds = time.perf_counter() - started
        print(f"  naive loop: {len(naive):,} invoices in {naive_seconds:.1f} s", flush=True)

    if issued != naive:
        first = next(
            (i for i, (a, b) in enumerate(zip(issued, naive, strict=False)) if a != b),
            min(len(issued), len(naive)),
        )
        sys.exit(
            f"the run and the naive loop disagree from invoice {first}: {issued[first : first + 1]} vs "
            f"{naive[first : first + 1]} ({len(issued)} vs {len(naive)} invoices)"
        )

    print()
    print(
        f"billing run, {subscriptions:,} memberships + {entries:,} time entries -> {len(issued):,} invoices: "
        f"{run_seconds:5.1f} s (target < 60 s, aim < 10 s)"
    )
    print(f"naive loop on the same data, same invoices:                        {naive_seconds:5.1f} s")
    print(
        f"ratio naive / run: {naive_seconds / run_seconds:.1f}x; a second run (nothing left): {again_seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
