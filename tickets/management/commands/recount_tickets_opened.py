"""``manage.py recount_tickets_opened [--tenant SLUG]``: the tickets opened per client and month counted again
from the tickets (tickets.opened). The database's triggers keep the counts; this is for after tickets were
written with triggers off (a bulk load as ``session_replication_role = replica``), or when a trigger refused
a write with "recount it"."""

import time

from django.core.management.base import BaseCommand

from tenants.commands import companies, each_in_scope, tenants_option
from tickets.opened import recount_opened


class Command(BaseCommand):
    help = (
        "Count each company's tickets per client and month again from the tickets (the year's figures on "
        "the rewards page read these counts). Without --tenant: every active company."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every active one).")

    def handle(self, *args, **options):
        tenants = tenants_option(options["tenant"], nothing_done="its counts are not read")
        started, tickets, corrected = time.monotonic(), 0, 0
        for tenant in each_in_scope(tenants, self.stdout):
            recount = recount_opened()
            tickets += recount.tickets
            corrected += recount.corrected
            if recount.corrected or len(tenants) == 1:
                self.stdout.write(
                    f"{tenant.name} ({tenant.slug}): {recount.tickets:,} tickets in {recount.months:,} client"
                    f" months; {recount.corrected:,} month{'s' if recount.corrected != 1 else ''} corrected."
                )
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Recounted {tickets:,} tickets for {companies(len(tenants))} in {seconds:.1f} s;"
            f" {corrected:,} client month{'s' if corrected != 1 else ''} corrected."
        )
