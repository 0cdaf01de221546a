"""The demo's customer of the month: a year of nominations and votes by the demo staff, each past month
closed by the program's own close (``choose_customers_of_the_month``, as the monthly run would), the
latest winner's spotlight drafted by staff and published by the client, and this month's nominations and
votes so far. The past winners' events are settled as history: nobody is emailed today about them."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils.text import slugify

from accounts.actors import actor_label
from clients.models import Client, Contact
from events.models import OutboxEvent
from events.services import settle_as_history
from rewards import customer_of_the_month as cotm
from rewards.models import Nomination, NominationReason, Spotlight
from tenants.localtime import tenant_zone
from tenants.models import StaffMembership, Tenant
from tenants.roles import has_permission
from tenants.scope import tenant_scope

MONTHS = 12
REASONS = {
    NominationReason.PROJECT_FINISHED: [
        "Moved their whole office over a weekend with us and were a pleasure to work with.",
        "Finished the network refresh on time: they had everything ready for every visit.",
        "Wrapped up the camera and access-control project; their staff took to it right away.",
    ],
    NominationReason.LOW_UTILIZATION: [
        "Barely a ticket all month: they follow the maintenance plan to the letter.",
        "Fewest tickets per device of all our clients, three months running.",
    ],
    NominationReason.BEST_PRACTICE_TIER: [
        "Reached the top best-practice tier: backups verified, MFA everywhere, UPS on every rack.",
        "Replaced the last unsupported PCs and turned on MFA for everyone.",
    ],
    NominationReason.OTHER: [
        "Referred two new clients to us this month.",
        "Their office manager sends the team thank-you notes after every visit.",
    ],
}
BLURB = (
    "{client} has been serving the community for years, and their team relies on technology every day. "
    "Working with {company}, they keep it running smoothly so they can focus on their customers."
)


def _moment(tenant: Tenant, day: date, rng: random.Random) -> datetime:
    return datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=tenant_zone(tenant))


def _play_month(tenant, month: date, last_day: date, *, voters, nominators, clients, rng) -> None:
    picks = rng.sample(clients, min(len(clients), rng.randint(2, 4)))
    nominations = []
    for client in picks:
        day = month + timedelta(days=rng.randint(0, max(0, min(20, (last_day - month).days))))
        category = rng.choice(list(REASONS))
        nominations.append(
            cotm.nominate(
                client,
                category=category,
                reason=rng.choice(REASONS[category]),
                by=rng.choice(nominators),
                on=day,
                now=_moment(tenant, day, rng),
            )
        )
    weights = [rng.randint(1, 5) for _ in nominations]
    for voter in voters:
        choices = [(n, w) for n, w in zip(nominations, weights, strict=True) if n.nominated_by_id != voter.pk]
        if not choices or rng.random() > 0.85:
            continue
        nomination = rng.choices([n for n, _ in choices], weights=[w for _, w in choices])[0]
        day = min(last_day, nomination.created_at.date() + timedelta(days=rng.randint(0, 6)))
        cotm.vote(nomination, by=voter, on=day, now=_moment(tenant, day, rng))


def seed_customer_of_the_month(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> int:
    """A year of the program for a demo tenant; idempotent (a tenant with nominations is left alone).
    Returns how many months were closed."""
    with tenant_scope(tenant):
        if Nomination.objects.exists():
            progress(f"  {tenant.name}: customer of the month already played.")
            return 0
        members = list(StaffMembership.objects.filter(is_active=True).select_related("user").order_by("pk"))
        voters = [m.user for m in members]
        nominators = [m.user for m in members if has_permission(m.role, "rewards.nominate")] or voters
        clients = list(Client.objects.filter(archived_at__isnull=True).order_by("pk"))
        if not clients or not voters:
            return 0
        first_event = OutboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        this_month = cotm.month_of(today)
        month = this_month
        for _ in range(MONTHS):
            month = cotm.previous_month(month)
        closed = 0
        while month < this_month:
            last_day = cotm.next_month(month) - timedelta(days=1)
            _play_month(
                tenant, month, last_day, voters=voters, nominators=nominators, clients=clients, rng=rng
            )
            cotm.choose_customers_of_the_month(cotm.next_month(month))
            closed += 1
            month = cotm.next_month(month)
        _play_month(
            tenant,
            this_month,
            today,
            voters=voters[: len(voters) // 2 + 1],
            nominators=nominators,
            clients=clients,
            rng=rng,
        )
        settle_as_history(OutboxEvent.objects.filter(id__gt=first_event).values_list("id", flat=True))
        latest = Spotlight.objects.select_related("award__client").order_by("-award__month").first()
        if latest is not None:
            company, client = tenant.name, latest.award.client
            cotm.edit_spotlight(
                latest,
                blurb=BLURB.format(client=client.name, company=company),
                website=f"https://www.{slugify(client.name)[:40]}.example",
                actor="demo staff",
            )
            contact = Contact.objects.filter(client=client, archived_at__isnull=True).first()
            cotm.publish_spotlight(latest, actor=actor_label(contact=contact) if contact else "the client")
        progress(f"  {tenant.name}: customer of the month: {closed} months of nominations and votes closed.")
        return closed
