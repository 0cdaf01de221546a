import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from billing.demo import seed_billing
from clients.demo import seed_clients
from contracts.demo import seed_contracts
from contracts.demo_agreements import seed_agreements
from demo.portal_activity import act_on_signing_links
from events.dispatch import dispatch_until_idle
from service_levels.demo import seed_service_levels
from tenants.demo import demo_logins, seed_tenants
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = (
        "Load the demo tenants (an AV/home-tech integrator and an MSP) with staff, clients, contacts, sites, "
        "SLA policies, contracts, agreements, a signing campaign and a few hundred tickets. Idempotent."
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
            seed_billing(tenant, progress)  # after the tickets, so their billable time is invoiced
        # The load's events reach their consumers as on the worker (recent SLA events notify staff).
        dispatch_until_idle()
        progress(f"Demo data ready in {time.monotonic() - started:.1f} s.\n")
        progress("Demo logins (all with the same password):")
        for email, what, password in demo_logins():
            progress(f"  {email:38} {password}   {what}")
