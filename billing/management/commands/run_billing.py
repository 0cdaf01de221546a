"""``manage.py run_billing [--on YYYY-MM-DD] [--tenant SLUG]``: the billing run by hand (operators, demos,
catching up after an outage). Idempotent: running it again issues nothing new."""

from django.core.management.base import BaseCommand, CommandError

from billing import runs
from billing.run_plan import span_text
from billing.runs import RunProgress, run_billing
from contracts.documents import money
from tenants.commands import active_tenant_option, day_option

LISTED = 100  # invoices listed by name at the default verbosity; -v 2 lists them all


class Command(BaseCommand):
    help = (
        "Issue every invoice that is due: membership periods (billed in advance), billable work and "
        "proration charges, with account credit. Without --on each client is billed up to today in its "
        "own time zone; --on bills up to that day. Safe to run again or beside another run."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="Bill up to this day (default: today).")
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every active one).")

    def handle(self, *args, **options):
        on = day_option(options["on"]) if options["on"] else None
        tenant = None
        if options["tenant"]:
            tenant = active_tenant_option(options["tenant"], nothing_done="nothing is billed for it")
        verbosity = options["verbosity"]
        result = run_billing(on=on, tenant=tenant, progress=self._progress if verbosity else None)
        for run in result.tenants:
            if not verbosity:
                break
            limit = None if verbosity > 1 else LISTED
            for invoice in run.invoices[:limit]:
                period = span_text(invoice.period_start, invoice.period_end)
                self.stdout.write(
                    f"  {invoice.number}  {invoice.client_name}  {invoice.kind_label}, {period}  "
                    f"{money(invoice.total, invoice.currency)}"
                )
            if limit is not None and len(run.invoices) > limit:
                self.stdout.write(f"  … and {len(run.invoices) - limit:,} more (-v 2 lists them all)")
            for failure in run.failures:
                self.stderr.write(
                    f"  Not billed: {failure.client_name} (client #{failure.client_id}): {failure.error}"
                )
        totals = ", ".join(money(amount, currency) for currency, amount in sorted(result.totals().items()))
        companies = len(result.tenants)
        self.stdout.write(
            f"Issued {len(result.invoices):,} invoice{'s' * (len(result.invoices) != 1)}"
            + (f" for {totals}" if result.invoices else "")
            + f" in {companies} compan{'ies' if companies != 1 else 'y'}"
            + (f" (up to {on:%-d %b %Y})" if on else " (up to each client's today)")
            + "."
        )
        if result.failures:
            raise CommandError(
                f"{len(result.failures)} client{'s' * (len(result.failures) != 1)} could not be billed "
                "(above); the others were. Correct them and run again: nothing is issued twice."
            )

    def _progress(self, progress: RunProgress) -> None:
        if progress.total <= runs.CHUNK_SIZE:
            return  # a short run: the list of invoices says enough
        if progress.processed == 0:
            self.stdout.write(f"{progress.tenant.name}: {progress.total:,} clients to look at")
        else:
            self.stdout.write(f"{progress.tenant.name}: {progress.processed:,} / {progress.total:,} clients")
