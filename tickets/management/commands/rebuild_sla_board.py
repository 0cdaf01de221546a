"""``manage.py rebuild_sla_board [--tenant SLUG]``: the SLA board's row per ticket built again from the clocks
(tickets.board_leads). The database's triggers keep the rows; this is for after clocks or tickets were
written with triggers off (a bulk load as ``session_replication_role = replica``)."""

import time

from django.core.management.base import BaseCommand

from tenants.commands import companies, each_in_scope, tenants_option
from tickets.board_leads import rebuild_board_leads


class Command(BaseCommand):
    help = (
        "Build the SLA board's row of each ticket with a running or paused clock again from the clocks."
        " Without --tenant: every active company."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every active one).")

    def handle(self, *args, **options):
        tenants = tenants_option(options["tenant"], nothing_done="its board is not read")
        started, tickets, corrected = time.monotonic(), 0, 0
        for tenant in each_in_scope(tenants, self.stdout):
            rebuilt = rebuild_board_leads()
            tickets += rebuilt.tickets
            corrected += rebuilt.corrected
            if rebuilt.corrected or len(tenants) == 1:
                self.stdout.write(
                    f"{tenant.name} ({tenant.slug}): {rebuilt.tickets:,} tickets on the board;"
                    f" {rebuilt.corrected:,} row{'s' if rebuilt.corrected != 1 else ''} corrected."
                )
        self.stdout.write(
            f"Built the SLA board of {companies(len(tenants))} in {time.monotonic() - started:.1f} s:"
            f" {tickets:,} tickets; {corrected:,} row{'s' if corrected != 1 else ''} corrected."
        )
