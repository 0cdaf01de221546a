"""``manage.py rebuild_sla_board [--tenant SLUG]``: the SLA board's row per ticket built again from the clocks
(tickets.board_leads). The database's triggers keep the rows; this is for after clocks or tickets were
written with triggers off (a bulk load as ``session_replication_role = replica``)."""

import time

from django.core.management.base import BaseCommand

from tenants.commands import active_tenant_option
from tenants.models import Tenant
from tenants.scope import tenant_scope
from tickets.board_leads import rebuild_board_leads

PROGRESS_EVERY = 100  # companies


class Command(BaseCommand):
    help = (
        "Build the SLA board's row of each ticket with a running or paused clock again from the clocks."
        " Without --tenant: every active company."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every active one).")

    def handle(self, *args, **options):
        if options["tenant"]:
            tenants = [active_tenant_option(options["tenant"], nothing_done="its board is not read")]
        else:
            tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
        started, tickets, corrected = time.monotonic(), 0, 0
        for done, tenant in enumerate(tenants, start=1):
            with tenant_scope(tenant):
                rebuilt = rebuild_board_leads()
            tickets += rebuilt.tickets
            corrected += rebuilt.corrected
            if rebuilt.corrected or len(tenants) == 1:
                self.stdout.write(
                    f"{tenant.name} ({tenant.slug}): {rebuilt.tickets:,} tickets on the board;"
                    f" {rebuilt.corrected:,} row{'s' if rebuilt.corrected != 1 else ''} corrected."
                )
            if done % PROGRESS_EVERY == 0 and done < len(tenants):
                self.stdout.write(f"  {done:,} of {len(tenants):,} companies")
        companies = f"{len(tenants):,} compan{'ies' if len(tenants) != 1 else 'y'}"
        self.stdout.write(
            f"Built the SLA board of {companies} in {time.monotonic() - started:.1f} s: {tickets:,} tickets;"
            f" {corrected:,} row{'s' if corrected != 1 else ''} corrected."
        )
