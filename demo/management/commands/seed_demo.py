import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from billing.demo import seed_billing
from clients.demo import seed_clients
from contracts.demo import seed_contracts
from contracts.demo_agreements import seed_agreements
from demo.portal_activity import act_on_signing_links
from events.dispatch import dispatch_until_idle
from rewards.demo import run_before_billing, seed_rewards
from service_levels.demo import seed_service_levels
from tenants.demo import demo_logins, seed_tenants
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = (
        "Load the demo tenants (an AV/home-tech integrator and an MSP) with staff, clients, contacts, sites, "
        "SLA policies, contracts, agreements, a signing campaign, a few hundred tickets, a year of invoices "
        "and of rewards. Idempotent."
    )

    def handle(self, *args, **options):
        started = time.monotonic()

        def progress(line):
            self.stdout.write(line)
            self.stdout.flush()

        progress("Seeding demo data…")
        now = timezone.now()  # one moment for all of it: the tickets' history ends here
        for tenant in seed_tenants(progress):
            seed_clients(tenant, progress)
            seed_service_levels(tenant, is_msp=tenant.slug == "harbor-it", progress=progress)
            seed_contracts(tenant, progress=progress)
            seed_agreements(tenant, progress=progress, signers_act=act_on_signing_links)
            seed_tickets(tenant, progress, now=now)  # after the agreements, so tickets get their tier's SLA
            seed_rewards(tenant, progress)  # the programs' set-up and a year of checks, votes, referrals
            # After the tickets, so their billable time is invoiced; the rewards due by each run day are
            # granted just before it, so their credit is on the invoices that follow.
            seed_billing(tenant, progress, before_each_run=run_before_billing(tenant, progress))
        # The load's events reach their consumers as on the worker (recent SLA events notify staff).
        dispatch_until_idle()
        progress(f"Demo data ready in {time.monotonic() - started:.1f} s.\n")
        progress("Demo logins (all with the same password):")
        for email, what, password in demo_logins():
            progress(f"  {email:38} {password}   {what}")
