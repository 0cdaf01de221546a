"""``manage.py roll_up_compliance [--tenant SLUG] [--rebuild]``: the SLA compliance roll-up brought up to date
now, by hand (after a restore, or to see a first roll-up's progress); the worker's beat does it every
minute otherwise (reports/rollup.py)."""

import time

from django.core.management.base import BaseCommand

from reports.rollup import roll_up_compliance, tenants_behind
from tenants.commands import active_tenant_option
from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope


class Command(BaseCommand):
    help = (
        "Count each company's SLA compliance per day again where it changed (the SLA report reads these "
        "counts for long periods). Without --tenant: every active company that is behind."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every one behind).")
        parser.add_argument("--rebuild", action="store_true", help="Count the whole history again.")

    def handle(self, *args, **options):
        if options["tenant"]:
            tenants = [active_tenant_option(options["tenant"], nothing_done="its reports are not rolled up")]
        elif options["rebuild"]:
            tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
        else:
            with cross_tenant("find the tenants whose SLA compliance roll-up is behind"):
                behind = tenants_behind()
            tenants = list(Tenant.objects.filter(pk__in=behind).order_by("pk"))
        started, days = time.monotonic(), 0
        # One company's history a quarter at a time; several companies one line each.
        progress = (lambda text: self.stdout.write(f"  {text}")) if len(tenants) == 1 else None
        for tenant in tenants:
            with tenant_scope(tenant):
                done = roll_up_compliance(rebuild=options["rebuild"], progress=progress)
            if done is None:
                self.stdout.write(f"{tenant.name} ({tenant.slug}): another run is rolling it up; skipped.")
                continue
            days += done.days
            how = "whole history" if done.rebuilt else "changed days"
            self.stdout.write(f"{tenant.name} ({tenant.slug}): {done.days:,} days counted ({how}).")
        self.stdout.write(
            f"Rolled up {days:,} days for {len(tenants)} compan{'ies' if len(tenants) != 1 else 'y'}"
            f" in {time.monotonic() - started:.1f} s."
        )
