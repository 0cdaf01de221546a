"""seed_demo: the demo app loads every app's demo data, once."""

import io

import pytest
from django.core.management import call_command

from clients.models import Client
from contracts.models import Signature
from reports import mrr, revenue
from tenants.localtime import tenant_today
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import cross_tenant, tenant_scope
from tenants.seals import check_seal
from tenants.signing_identities import signing_identities
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_seed_demo_is_idempotent_prints_the_logins_and_has_signers_use_the_portal(small_demo):
    first = run("seed_demo")
    with cross_tenant("count demo rows"):
        counts = (Tenant.objects.count(), Client.objects.count(), StaffMembership.objects.count())
    second = run("seed_demo")
    with cross_tenant("count demo rows"):
        assert (Tenant.objects.count(), Client.objects.count(), StaffMembership.objects.count()) == counts
    assert counts[0] == 2
    assert any("owner@northwind-av.example" in line for line in first)
    assert any("read-only@harbor-it.example" in line for line in second)
    for tenant in Tenant.objects.all():
        with tenant_scope(tenant):
            assert set(StaffMembership.objects.values_list("role", flat=True)) == set(Role.values)
            assert Ticket.objects.count() == 24  # small_demo's count, read when seed_demo runs
            signatures = Signature.objects.all()
            # three campaign signers each sign, decline and only open their portal links
            assert signatures.filter(signed_at__isnull=False).exclude(pdf_sha256="").count() == 3
            # and their PDFs carry the tenant's seal
            identities = signing_identities(tenant)
            for signature in signatures.filter(signed_at__isnull=False):
                assert check_seal(bytes(signature.pdf), identities).is_sealed
            assert signatures.filter(declined_at__isnull=False).count() == 3
            assert signatures.filter(signed_at__isnull=True, declined_at__isnull=True).count() == 3
            # the revenue page has every kind of MRR movement to show (billing.demo.seed_membership_changes)
            months = revenue.revenue_report(today=tenant_today()).months
            moved = {kind for row in months for kind, amount in row.amounts.items() if amount}
            assert moved == set(mrr.KINDS)
    assert sum("(3 signed, 3 declined, 3 opened)" in line for line in first) == 2
