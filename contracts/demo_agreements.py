"""Demo agreements for `seed_demo` (after contracts.demo.seed_contracts): about 60% of clients on the
published Service Agreement (paper contracts imported, with tiers and monthly fees, some ending in the
next 30/60/90 days), and one open signing campaign for the rest, with a grace deadline in 10 days, a
few signatures, a few declines and a few links opened (played by the caller's ``signers_act``).
Deterministic and idempotent: a tenant that already has agreements is left as it is."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from accounts.actors import actor_label
from clients.models import Client
from contracts import agreements, campaigns, renewals
from contracts.models import (
    Agreement,
    Campaign,
    ContractTemplate,
    TemplateKind,
)
from contracts.versions import current_published_version
from memberships.demo import seed_plans
from memberships.models import Plan
from tenants.localtime import tenant_today
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

SERVICE_AGREEMENT = "Service Agreement"  # the template contracts.demo.seed_contracts publishes
SIGNED_SHARE = 0.6
# Who entered the paper contracts (the history's note says they were signed on paper before Accord).
IMPORT = actor_label(system="import")
# tier -> (share of signed clients, monthly fees to pick from)
TIERS = {
    "": (0.35, ("0.00",)),
    "silver": (0.25, ("49.00", "59.00", "79.00")),
    "gold": (0.25, ("149.00", "179.00", "199.00")),
    "platinum": (0.15, ("349.00", "399.00", "449.00")),
}
# Days until the end of the term, and the tier, of the first signed clients: the renewal pipeline's
# 30/60/90-day buckets with revenue at stake in each.
ENDING_SOON = ((9, "gold"), (23, ""), (27, "silver"), (41, "platinum"), (52, "gold"), (67, "silver"),
               (84, "gold"))  # fmt: skip
# What signers do with their links (sign, decline, open) is played by the caller: that is the portal,
# which sits above contracts (demo.portal_activity).
SignersAct = Callable[[Campaign, random.Random], tuple[int, int, int]]


def _service_version(tenant):
    template = ContractTemplate.objects.filter(
        name=SERVICE_AGREEMENT, kind=TemplateKind.SERVICE_CONTRACT
    ).first()
    return current_published_version(template) if template else None


def _pick_tier(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for tier, (share, _) in TIERS.items():
        total += share
        if roll < total:
            return tier
    return ""


def _import_signed(client, version, *, starts_on, tier, fee) -> Agreement:
    """A paper contract signed before Accord, entered through the lifecycle (history says so), with its
    membership at the fee agreed on paper."""
    plan = Plan.objects.filter(key=tier).first() if tier else None
    agreement = agreements.create_agreement(
        client=client, version=version, actor=IMPORT, starts_on=starts_on, plan=plan,
        plan_price=fee if plan else None,
    )  # fmt: skip
    agreements.record_history(agreement, "imported", actor=IMPORT, note="Signed on paper before Accord.")
    agreements.mark_sent(agreement, actor=IMPORT)
    return agreements.mark_signed(agreement, actor=IMPORT)


def seed_agreements(tenant: Tenant, progress=print, *, signers_act: SignersAct | None = None) -> int:
    """Seed the tenant's agreements and its open campaign unless it has agreements; ``signers_act`` then
    has a few signers act on their links (returns how many signed, declined, opened). Returns how many
    agreements were created."""
    with tenant_scope(tenant):
        version = _service_version(tenant)
        if version is None:
            progress(f"  {tenant.name}: no published “{SERVICE_AGREEMENT}” yet (run seed_contracts first): "
                     "agreements skipped.")  # fmt: skip
            return 0
        if Agreement.objects.exists():
            progress(f"  {tenant.name}: agreements already there.")
            return 0
        seed_plans(tenant, progress)
        rng = random.Random(f"agreements-{tenant.slug}")
        today = tenant_today()
        clients = list(Client.objects.filter(archived_at__isnull=True).order_by("name"))
        rng.shuffle(clients)
        signed_clients = clients[: round(len(clients) * SIGNED_SHARE)]
        for index, client in enumerate(signed_clients):
            if index < len(ENDING_SOON):
                days_to_end, tier = ENDING_SOON[index]
            else:
                days_to_end, tier = rng.randint(100, 340), _pick_tier(rng)
            ends_on = today + timedelta(days=days_to_end)
            starts_on = agreements.add_months(ends_on + timedelta(days=1), -version.term_months)
            _import_signed(
                client, version, starts_on=starts_on, tier=tier, fee=Decimal(rng.choice(TIERS[tier][1]))
            )
        run = renewals.run_renewals(today)  # those inside their notice window become expiring

        owner = StaffMembership.objects.filter(role=Role.OWNER, is_active=True).select_related("user").first()
        campaign = campaigns.open_signature_campaign(
            name=f"{SERVICE_AGREEMENT} {today.year}: every client signs",
            version=version,
            grace_deadline=today + timedelta(days=10),
            reminder_days=[7, 3, 1],
            message=(
                "We now ask every client, with or without a paid plan, to sign our service agreement: it "
                "says how fast we respond and what is covered. Questions? Reply to this email."
            ),
            created_by=owner.user if owner else None,
        )
        campaigns.send_campaign(campaign, actor=actor_label(owner.user if owner else None), inline=True)
        signed, declined, opened = signers_act(campaign, rng) if signers_act else (0, 0, 0)
        coverage = campaigns.coverage()
        total = Agreement.objects.count()
    progress(
        f"  {tenant.name}: {len(signed_clients)} signed agreements ({len(run.reminders)} renewal reminders), "
        f"campaign “{campaign}” to {len(clients) - len(signed_clients)} clients ({signed} signed, {declined} "
        f"declined, {opened} opened); coverage {coverage.percent}%"
    )
    return total
