"""``manage.py run_rewards [--on YYYY-MM-DD] [--tenant SLUG]``: every rewards program due on that date, by
hand (operators, demos, catching up). Idempotent: running it again grants nothing new."""

from django.core.management.base import BaseCommand, CommandError

from contracts.documents import money
from rewards.programs import registered_programs, run_rewards
from tenants.commands import active_tenant_option, day_option


class Command(BaseCommand):
    help = (
        "Grant every reward due: utilisation rewards for billing periods that ended, best-practice tiers, "
        "anniversaries, customer of the month for months that ended, referral credits. Without --on each "
        "company runs on its own today; --on runs every program as of that day. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--on", metavar="YYYY-MM-DD", help="Run as of this day (default: today).")
        parser.add_argument("--tenant", metavar="SLUG", help="Only this company (default: every active one).")

    def handle(self, *args, **options):
        on = day_option(options["on"]) if options["on"] else None
        tenant = None
        if options["tenant"]:
            tenant = active_tenant_option(options["tenant"], nothing_done="no rewards are run for it")
        programs = ", ".join(registered_programs()) or "none"
        runs = run_rewards(on=on, tenant=tenant)
        failed = 0
        for run in runs:
            self.stdout.write(f"{run.tenant.name} ({run.tenant.slug}), as of {run.on:%-d %b %Y}:")
            for program, error in run.failures:
                failed += 1
                self.stderr.write(f"  Failed: {program}: {error}")
            for reward in run.granted:
                worth = f"  {money(reward.value, run.tenant.currency)}" if reward.value else ""
                self.stdout.write(
                    f"  {reward.get_program_display()}: {reward.client.name}: {reward.title}{worth}"
                )
        granted = sum(len(run.granted) for run in runs)
        # What it granted comes last, so a long run's outcome is the last line on the screen.
        self.stdout.write(
            f"Granted {granted:,} reward{'s' * (granted != 1)} in {len(runs)} compan"
            f"{'ies' if len(runs) != 1 else 'y'} (programs: {programs})."
        )
        if failed:
            raise CommandError(f"{failed} program run{'s' * (failed != 1)} failed; see above.")
