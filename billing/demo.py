"""Demo billing for `seed_demo` (after the tickets, so their billable time is invoiced): a year of
invoice history with payments. The demo companies bill every membership on the 1st, so the history is
twelve monthly billing runs (each on its 1st, as the beat would have run them) plus today's. Before the
runs, a year of membership changes is played (``seed_membership_changes``: upgrades, an added rider, a
downgrade, a switch to annual billing, cancellations and a client who came back), so the invoices bill
them and the revenue page has movements to show. Account credit comes from the rewards programs,
played before each run (``before_each_run``). Then most invoices older than their terms are paid (a few
late, a few in part, a few still open) and one invoice is corrected by a credit note. Two clients
disputed an invoice: one dispute is still open (the client's reason and our first answer), one was
resolved by a partial credit note. Deterministic and idempotent: a tenant that already has invoices is left as it is."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from billing import disputes, services, subscriptions
from billing.models import Invoice, InvoiceLine, InvoiceStatus, LineKind, PaymentMethod
from billing.runs import run_billing
from clients.models import Contact
from events.models import OutboxEvent
from events.services import settle_as_history
from memberships import services as memberships
from memberships.models import BillingCycle, Plan, PlanKind, Subscription, SubscriptionStatus
from tenants.localtime import tenant_today, tenant_zone
from tenants.models import Tenant
from tenants.scope import tenant_scope

DEMO_ACTOR = "Accord demo (billing history)"
HISTORY_MONTHS = 12
OPEN_REASONS = {
    True: "Half of this was the follow-up visit you promised would be free after the first fix did not hold. "
    "Please take it off.",
    False: "We asked on the phone to move down to the smaller plan from this month; this still charges the "
    "old price.",
}
DISPUTE_EVENTS = ("invoice.disputed", "dispute.replied", "dispute.explained", "dispute.resolved")
METHODS = (PaymentMethod.BANK_TRANSFER, PaymentMethod.CARD, PaymentMethod.DIRECT_DEBIT, PaymentMethod.CHECK)


def _month_starts(today: date, months: int) -> list[date]:
    first = today.replace(day=1)
    starts = []
    for back in range(months, 0, -1):
        index = first.year * 12 + first.month - 1 - back
        starts.append(date(index // 12, index % 12 + 1, 1))
    return starts


def _day_between(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, max((last - first).days, 0)))


def seed_membership_changes(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> dict:
    """Play a year of membership changes on the memberships that started at least five months ago,
    through billing.subscriptions (so upgrades carry their proration charges) and memberships.services:
    upgrades and an added rider now, a downgrade and a switch to annual billing at the period end, two
    cancellations (one client comes back three months later). Their events are settled as history:
    nobody is told today about last year's changes. Deterministic for a given ``rng`` and ``today``."""
    first_event = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    tiers = list(Plan.objects.filter(kind=PlanKind.TIER, archived_at__isnull=True).order_by("rank"))
    rider = (
        Plan.objects.filter(kind=PlanKind.RIDER, archived_at__isnull=True).order_by("rank", "name").first()
    )
    old_enough = list(
        Subscription.objects.filter(
            status=SubscriptionStatus.ACTIVE,
            ends_on__isnull=True,
            started_on__lte=today - timedelta(days=150),
        )
        .select_related("client", "agreement")
        .order_by("client__name")
    )
    rng.shuffle(old_enough)
    done = {"upgraded": 0, "rider added": 0, "downgraded": 0, "annual": 0, "cancelled": 0, "came back": 0}
    actor = DEMO_ACTOR

    def tier_of(subscription, on):
        phase = memberships.phase_on(subscription, on)
        return phase.plan if phase else None

    wanted = [
        "upgraded",
        "upgraded",
        "upgraded",
        "rider added",
        "downgraded",
        "annual",
        "came back",
        "cancelled",
    ]
    for subscription in old_enough:
        start = subscription.started_on
        on = _day_between(rng, start + timedelta(days=35), today - timedelta(days=40))
        tier = tier_of(subscription, on)
        rank = tiers.index(tier) if tier in tiers else None
        fits = {
            "upgraded": rank is not None and rank + 1 < len(tiers),
            "rider added": rider is not None and tier is not None,
            "downgraded": bool(rank),
            "annual": tier is not None and bool(tier.annual_price),
            "came back": tier is not None,
            "cancelled": True,
        }
        what = next((what for what in wanted if fits[what]), None)
        if what is None:
            break
        wanted.remove(what)
        if what == "upgraded":
            subscriptions.change_subscription(subscription, tier=tiers[rank + 1], actor=actor, on=on)
        elif what == "rider added":
            subscriptions.change_subscription(subscription, tier=tier, riders=[rider], actor=actor, on=on)
        elif what == "downgraded":  # from the next period
            subscriptions.change_subscription(subscription, tier=tiers[rank - 1], actor=actor, on=on)
        elif what == "annual":  # from the next period
            subscriptions.change_subscription(
                subscription, tier=tier, cycle=BillingCycle.ANNUAL, actor=actor, on=on
            )
        else:  # cancelled at the period end; one client comes back about three months later
            decided = start + timedelta(days=20) if what == "came back" else on
            memberships.cancel_at_period_end(
                subscription, on=decided, actor=actor, reason="Moving to another provider"
            )
            done["cancelled"] += 1
            back = (Subscription.objects.get(pk=subscription.pk).ends_on + timedelta(days=95)).replace(day=1)
            if what == "came back" and back < today:
                holding = memberships.requested_holding(tier=tier, riders=[], cycle=BillingCycle.MONTHLY)
                memberships.start_subscription(
                    client=subscription.client,
                    agreement=subscription.agreement,
                    holding=holding,
                    started_on=back,
                    actor=actor,
                    anchor_day=1,
                )
                done["came back"] += 1
            continue
        done[what] += 1
    memberships.close_ended(today=today)
    settle_as_history(OutboxEvent.objects.filter(id__gt=first_event).values_list("id", flat=True))
    progress(f"  {tenant.name}: membership history: " + ", ".join(f"{n} {what}" for what, n in done.items()))
    return done


def seed_billing(tenant: Tenant, progress=print, *, before_each_run=None) -> int:
    """A year of invoices and payments for ``tenant``; returns how many invoices exist afterwards.
    ``before_each_run(day)`` is called before each of the runs (the rewards programs' history, so the
    credit they grant is spent by the invoices that follow, as it would have been)."""
    with tenant_scope(tenant):
        if Invoice.objects.exists():
            progress(f"  {tenant.name}: invoices already there.")
            return Invoice.objects.count()
        today = tenant_today()
        # The demo company bills everyone on the 1st: set before any period is invoiced.
        Subscription.objects.filter(anchor_day__gt=1).update(anchor_day=1, anchor_month=1)
        rng = random.Random(f"billing-{tenant.slug}")
        seed_membership_changes(
            tenant, today=today, rng=random.Random(f"memberships-{tenant.slug}"), progress=progress
        )
        months = [*_month_starts(today, HISTORY_MONTHS), today]
    for index, day in enumerate(months, start=1):
        if before_each_run is not None:
            before_each_run(day)
        run_billing(on=day, tenant=tenant, actor=DEMO_ACTOR)
        if index % 4 == 0 or index == len(months):
            progress(f"  {tenant.name}: billing run {index} of {len(months)} ({day:%b %Y}) done…")
    with tenant_scope(tenant):
        paid = partly = late = 0
        invoices = list(Invoice.objects.exclude(status=InvoiceStatus.DRAFT).order_by("issued_on", "sequence"))
        todays = [invoice.pk for invoice in invoices if invoice.issued_on == today]
        for invoice in invoices:
            if invoice.balance <= 0 or invoice.due_on is None:
                continue
            age = (today - invoice.issued_on).days
            roll = rng.random()
            if age < 10 or roll < 0.06:
                continue  # not due yet, or never paid (overdue)
            if roll < 0.11:
                amount = (invoice.balance / 2).quantize(Decimal("0.01"))
                partly += 1
            else:
                amount = invoice.balance
                paid += 1
            delay = rng.randint(2, 12) if roll > 0.25 else rng.randint(15, 40)
            late += delay > (invoice.due_on - invoice.issued_on).days
            services.record_payment(
                invoice,
                amount,
                min(invoice.issued_on + timedelta(days=delay), today),
                rng.choice(METHODS),
                f"DEMO-{invoice.sequence:05d}",
                DEMO_ACTOR,
            )
        disputed = _seed_disputes(today)
        invoices = list(Invoice.objects.exclude(status=InvoiceStatus.DRAFT).order_by("issued_on", "sequence"))
        corrected = next((i for i in invoices if i.status == InvoiceStatus.ISSUED and i.total > 0), None)
        if corrected is not None:
            line = corrected.lines.order_by("-amount").first()
            services.issue_credit_note(
                corrected,
                lines={line: (line.amount / 2).quantize(Decimal("0.01"))},
                reason="Goodwill: half of the line refunded after a missed visit",
                actor=DEMO_ACTOR,
            )
        total = len(invoices)
        # Nobody is emailed about last year's invoices and payments today; today's invoices go out.
        # The demo's disputes are history too: their clients are not emailed on load.
        history = OutboxEvent.objects.filter(name__in=["invoice.issued", "invoice.paid"])
        settle_as_history(
            [event.pk for event in history if event.payload.get("invoice_id") not in set(todays)]
            + [event.pk for event in OutboxEvent.objects.filter(name__in=DISPUTE_EVENTS)]
        )
        open_count = Invoice.objects.filter(
            status__in=(InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID)
        ).count()
    progress(
        f"  {tenant.name}: {total} invoices over {HISTORY_MONTHS} months; {paid} paid in full ({late} late), "
        f"{partly} in part, {open_count} open; 2 clients with account credit, 1 credit note; "
        f"{disputed} disputes"
    )
    return total


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=tenant_zone())


def _disputed_line(invoice: Invoice) -> InvoiceLine | None:
    return invoice.lines.filter(amount__gt=0).order_by("-amount", "position").first()


def _seed_disputes(today: date) -> int:
    """One dispute still open (a labour or membership line of last month, with our first answer) and one
    resolved by a partial credit note two months ago, on invoices of two different clients that have a
    contact with an email address. Returns how many were seeded."""
    candidates = (
        Invoice.objects.filter(client__contacts__email__gt="", client__contacts__archived_at__isnull=True)
        .exclude(total__lte=0)
        .select_related("client")
        .distinct()
        .order_by("issued_on", "sequence")
    )
    recent = candidates.filter(
        status=InvoiceStatus.ISSUED, issued_on__range=(today - timedelta(days=45), today - timedelta(days=7))
    ).last()
    older = (
        candidates.filter(status=InvoiceStatus.PAID, issued_on__lte=today - timedelta(days=60))
        .exclude(client=recent.client if recent else None)
        .last()
    )
    seeded = 0
    if recent is not None and (line := _disputed_line(recent)) is not None:
        contact = (
            Contact.objects.filter(client=recent.client)
            .exclude(email="")
            .order_by("-is_primary", "pk")
            .first()
        )
        opened = _at(recent.issued_on + timedelta(days=4), 19)
        dispute = disputes.open_dispute(
            recent,
            line=line,
            amount=(line.amount / 2).quantize(Decimal("0.01")),
            party="client",
            contact=contact,
            actor=f"{contact.full_name} <{contact.email}> (client contact)",
            reason=OPEN_REASONS[line.kind == LineKind.LABOUR],
            now=opened,
        )
        disputes.reply(
            dispute,
            party="staff",
            actor=DEMO_ACTOR,
            now=opened + timedelta(hours=14),
            body="Thank you for telling us. We are checking the technician's notes for both visits and "
            "will come back to you by Friday.",
        )
        seeded += 1
    if older is not None and (line := _disputed_line(older)) is not None:
        contact = (
            Contact.objects.filter(client=older.client)
            .exclude(email="")
            .order_by("-is_primary", "pk")
            .first()
        )
        opened = _at(older.issued_on + timedelta(days=3), 10)
        amount = min((line.amount / 4).quantize(Decimal("0.01")), line.amount)
        dispute = disputes.open_dispute(
            older,
            line=line,
            amount=amount,
            party="client",
            contact=contact,
            actor=f"{contact.full_name} <{contact.email}> (client contact)",
            reason="We were without the system for four days that month: can part of this be credited?",
            now=opened,
        )
        disputes.resolve_with_credit_note(
            dispute,
            lines={line: amount},
            reason="Four days of outage credited as goodwill",
            actor=DEMO_ACTOR,
            note="Sorry about the outage: we credited a quarter of the month. It is on your account for the "
            "next invoice.",
            on=older.issued_on + timedelta(days=5),
            now=opened + timedelta(days=2),
        )
        seeded += 1
    return seeded
