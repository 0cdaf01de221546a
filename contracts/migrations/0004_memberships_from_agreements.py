"""Move each agreement's tier, riders and monthly fee into memberships (plans, subscriptions, offers),
losing nothing, before the fields leave the agreement.

- A tier or rider key becomes a plan of that key (named after its SLA policy), if none exists yet.
- A service contract in force becomes an active subscription from its start, monthly, with the
  agreement's fee as the agreed price; an ended one (expired, cancelled) an ended subscription.
- An agreement not signed yet (draft, sent, declined) becomes the offer applied when it is signed.
- A supplement keeps what it said as an offer (already applied when it was signed).
"""

from datetime import timedelta
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

IN_FORCE = ("signed", "active", "expiring")
ENDED = ("expired", "cancelled")
LEGACY_KEY = "legacy-membership"


def forward(apps, schema_editor):
    schema_editor.execute("SELECT set_config('app.rls_bypass', 'on', true)")
    Agreement = apps.get_model("contracts", "Agreement")
    Plan = apps.get_model("memberships", "Plan")
    SlaPolicy = apps.get_model("service_levels", "SlaPolicy")
    Subscription = apps.get_model("memberships", "Subscription")
    SubscriptionPhase = apps.get_model("memberships", "SubscriptionPhase")
    PhaseRider = apps.get_model("memberships", "PhaseRider")
    SubscriptionChange = apps.get_model("memberships", "SubscriptionChange")
    PlanOffer = apps.get_model("memberships", "PlanOffer")
    OfferRider = apps.get_model("memberships", "OfferRider")
    now = timezone.now()

    def plan_for(tenant_id, kind, key, price):
        plan = Plan.objects.filter(tenant_id=tenant_id, key=key).first()
        if plan is not None:
            return plan
        policy = (
            SlaPolicy.objects.filter(tenant_id=tenant_id, kind=kind, key=key)
            .order_by("-is_active", "id")
            .first()
        )
        name = policy.name if policy else key.replace("-", " ").title()
        if Plan.objects.filter(tenant_id=tenant_id, name=name).exists():
            name = f"{name} ({key})"
        return Plan.objects.create(
            tenant_id=tenant_id,
            kind=kind,
            key=key,
            name=name,
            monthly_price=price,
            sla_policy=policy,
            description="Created from existing agreements when memberships were introduced.",
        )

    agreements = Agreement.objects.exclude(tier="", riders=[], monthly_fee=0).order_by(
        "client_id", "-starts_on", "-id"
    )
    active_clients = set()
    for agreement in agreements.iterator():
        tenant_id = agreement.tenant_id
        fee = agreement.monthly_fee or Decimal("0")
        tier = plan_for(tenant_id, "tier", agreement.tier, fee) if agreement.tier else None
        riders = [plan_for(tenant_id, "rider", key, Decimal("0")) for key in dict.fromkeys(agreement.riders)]
        if tier is None and not riders:
            tier = plan_for(tenant_id, "tier", LEGACY_KEY, fee)
        snapshot = {
            "cycle": "monthly", "tier": tier.key if tier else None,
            "tier_price": str(fee if tier else Decimal("0")),
            "riders": {rider.key: str(fee if (not tier and index == 0) else Decimal("0"))
                       for index, rider in enumerate(riders)},
            "total": str(fee),
        }  # fmt: skip
        is_service_contract = agreement.parent_id is None
        if is_service_contract and agreement.status in IN_FORCE + ENDED and agreement.starts_on:
            ended = agreement.status in ENDED or agreement.client_id in active_clients
            ends_on = None
            if ended:
                last_day = agreement.ends_on or agreement.starts_on
                ends_on = max(last_day + timedelta(days=1), agreement.starts_on)
            else:
                active_clients.add(agreement.client_id)
            subscription = Subscription.objects.create(
                tenant_id=tenant_id, client_id=agreement.client_id, agreement_id=agreement.pk,
                status="ended" if ended else "active", started_on=agreement.starts_on,
                anchor_day=agreement.starts_on.day, anchor_month=agreement.starts_on.month, ends_on=ends_on,
            )  # fmt: skip
            phase = SubscriptionPhase.objects.create(
                tenant_id=tenant_id, subscription=subscription, starts_on=agreement.starts_on, plan=tier,
                billing_cycle="monthly", plan_price=fee if tier else Decimal("0"), announced_at=now,
            )  # fmt: skip
            for index, rider in enumerate(riders):
                PhaseRider.objects.create(
                    tenant_id=tenant_id, phase=phase, rider=rider,
                    price=fee if (not tier and index == 0) else Decimal("0"),
                )  # fmt: skip
            SubscriptionChange.objects.create(
                tenant_id=tenant_id, subscription=subscription, kind="migrated",
                effective_on=agreement.starts_on, after=snapshot, actor="Accord (system)", at=now,
                summary=f"Migrated from agreement #{agreement.pk}: tier {agreement.tier or '-'}, riders "
                        f"{', '.join(agreement.riders) or '-'}, {fee}/month",
            )  # fmt: skip
            continue
        offer = PlanOffer.objects.create(
            tenant_id=tenant_id, agreement_id=agreement.pk,
            kind="start" if is_service_contract else "change", plan=tier, billing_cycle="monthly",
            plan_price=fee if tier else None, requested_by="Accord (system)",
            applied_at=now if agreement.status in IN_FORCE + ENDED else None,
        )  # fmt: skip
        for rider in riders:
            OfferRider.objects.create(tenant_id=tenant_id, offer=offer, rider=rider)


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0003_agreement_event_actor_label"),
        ("memberships", "0001_initial"),
        ("service_levels", "0001_initial"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
