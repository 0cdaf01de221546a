"""Shared set-up of the agreement, campaign, enforcement and renewal tests (imported by those modules)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contracts import agreements
from service_levels import services as sla_services
from service_levels.models import Metric, PolicyKind
from tenants.scope import tenant_scope
from tests.factories import ClientFactory, ContactFactory, ContractVersionFactory, PlanFactory

H = 60


def service_version(tenant, *, name="Service Agreement", number=1, **fields):
    """A published service-contract version (of the template ``name``, created if needed)."""
    from contracts.models import ContractTemplate

    with tenant_scope(tenant):
        template = ContractTemplate.objects.filter(name=name).first()
    if template is not None:
        return ContractVersionFactory(template=template, published=True, number=number, **fields)
    return ContractVersionFactory(
        published=True, template__tenant=tenant, template__name=name, number=number, **fields
    )


def supplement_version(tenant, *, name="Response-time schedule"):
    return ContractVersionFactory(
        published=True, template__tenant=tenant, template__name=name, template__kind="supplement",
        title="Amendment: response-time schedule",
    )  # fmt: skip


def client_with_signers(tenant, name, *emails):
    client = ClientFactory(tenant=tenant, name=name)
    contacts = [
        ContactFactory(client=client, email=email, full_name=email.split("@")[0].title()) for email in emails
    ]
    return client, contacts


def sign(agreement, signer_name="Pat Signer"):
    """What the portal does once the signer presses Sign (contracts.agreements.mark_signed)."""
    with tenant_scope(agreement.tenant):
        return agreements.mark_signed(agreement, actor=signer_name)


def signed_agreement(tenant, client, version, *, tier="", monthly_fee=None):
    """Created, sent and signed; with a ``tier`` key it offers that plan (at ``monthly_fee`` a month if
    given), so signing starts the membership."""
    with tenant_scope(tenant):
        plan = PlanFactory(tenant=tenant, key=tier) if tier else None
        agreement = agreements.create_agreement(
            client=client, version=version, actor="owner@example.com", plan=plan,
            plan_price=Decimal(monthly_fee) if monthly_fee is not None else None,
        )  # fmt: skip
        agreements.mark_sent(agreement, actor="owner@example.com")
        return agreements.mark_signed(agreement, actor="Signer")


def sla_policies(tenant):
    """Basic triage and standard policies with a P1 first-response target each."""
    with tenant_scope(tenant):
        always = sla_services.create_calendar(
            name="24/7", timezone="UTC", weekly_hours=sla_services.PRESETS["always_open"]
        )
        basic = sla_services.create_policy(name="Basic triage", kind=PolicyKind.BASIC_TRIAGE)
        sla_services.set_targets(basic, {("P1", Metric.FIRST_RESPONSE): (8 * H, always)})
        standard = sla_services.create_policy(name="Standard contract", kind=PolicyKind.STANDARD)
        sla_services.set_targets(standard, {("P1", Metric.FIRST_RESPONSE): (1 * H, always)})
    return basic, standard


@pytest.fixture
def eager_tasks():
    """Celery tasks run in-process when queued (no broker, no worker): the tests call them for real."""
    from config.celery import app

    before = (app.conf.task_always_eager, app.conf.task_eager_propagates)
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before
