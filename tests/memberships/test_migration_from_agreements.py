"""contracts 0004: each agreement's tier, riders and monthly fee move into memberships, nothing lost."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tenants.connections import as_owner
from tenants.grants import apply_grants

BEFORE = [("contracts", "0003_agreement_event_actor_label")]
AFTER = [("contracts", "0005_agreement_plan_moved_to_memberships")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor = MigrationExecutor(connection)  # the models as every applied migration left them
    return executor._create_project_state(with_applied_migrations=True).apps


@pytest.fixture
def as_the_owner():
    """Migrations run as the owner, which the policies also let see every tenant's rows."""
    with as_owner():
        yield


@pytest.mark.django_db(transaction=True)
def test_agreement_tiers_riders_and_fees_become_plans_subscriptions_and_offers(as_the_owner):
    old = migrate(BEFORE)
    try:
        tenant = old.get_model("tenants", "Tenant").objects.create(name="Harbor AV", slug="harbor-mig")
        policy = old.get_model("service_levels", "SlaPolicy").objects.create(
            tenant=tenant, name="Gold tier", kind="tier", key="gold"
        )
        Client = old.get_model("clients", "Client")
        active, drafted, ended = (Client.objects.create(tenant=tenant, name=name) for name in ("A", "B", "C"))
        template = old.get_model("contracts", "ContractTemplate").objects.create(tenant=tenant, name="SA")
        version = old.get_model("contracts", "ContractVersion").objects.create(
            tenant=tenant, template=template, number=1, title="SA", terms_markdown="x", status="published",
            published_at=timezone.now(),
        )  # fmt: skip
        Agreement = old.get_model("contracts", "Agreement")
        in_force = Agreement.objects.create(
            tenant=tenant, client=active, version=version, status="active", starts_on=date(2026, 3, 15),
            ends_on=date(2027, 3, 14), tier="gold", riders=["premium-response"],
            monthly_fee=Decimal("199.00"),
        )  # fmt: skip
        draft = Agreement.objects.create(
            tenant=tenant, client=drafted, version=version, status="sent", tier="silver",
            monthly_fee=Decimal("59.00"),
        )  # fmt: skip
        expired = Agreement.objects.create(
            tenant=tenant, client=ended, version=version, status="expired", starts_on=date(2025, 1, 1),
            ends_on=date(2025, 12, 31), monthly_fee=Decimal("80.00"),
        )  # fmt: skip
        Agreement.objects.create(tenant=tenant, client=ended, version=version, status="draft")  # no plan

        new = migrate(AFTER)
        Plan = new.get_model("memberships", "Plan")
        Subscription = new.get_model("memberships", "Subscription")
        PlanOffer = new.get_model("memberships", "PlanOffer")

        plans = {plan.key: plan for plan in Plan.objects.filter(tenant_id=tenant.pk)}
        assert set(plans) == {"gold", "premium-response", "silver", "legacy-membership"}
        assert (plans["gold"].name, plans["gold"].sla_policy_id, plans["gold"].kind) == (
            "Gold tier",
            policy.pk,
            "tier",
        )
        assert plans["premium-response"].kind == "rider"

        membership = Subscription.objects.get(agreement_id=in_force.pk)
        assert (membership.status, membership.started_on, membership.anchor_day, membership.ends_on) == (
            "active",
            date(2026, 3, 15),
            15,
            None,
        )
        phase = membership.phases.get()
        assert (phase.plan_id, phase.plan_price, phase.billing_cycle) == (
            plans["gold"].pk,
            Decimal("199.00"),
            "monthly",
        )
        assert [(r.rider_id, r.price) for r in phase.riders.all()] == [
            (plans["premium-response"].pk, Decimal("0"))
        ]
        assert membership.changes.get().kind == "migrated"

        offer = PlanOffer.objects.get(agreement_id=draft.pk)
        assert (offer.kind, offer.plan_id, offer.plan_price, offer.applied_at) == (
            "start",
            plans["silver"].pk,
            Decimal("59.00"),
            None,
        )

        finished = Subscription.objects.get(agreement_id=expired.pk)
        assert (finished.status, finished.ends_on) == ("ended", date(2026, 1, 1))
        assert finished.phases.get().plan_price == Decimal("80.00")
        assert Subscription.objects.filter(tenant_id=tenant.pk).count() == 2
    finally:
        # Back to the latest state of every app (later migrations, e.g. the history tables, were unapplied
        # on the way to BEFORE), with the roles' grants on the tables they recreated.
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        apply_grants(connection.alias)
