"""`manage.py healthcheck [all|web|worker|beat]`: the /healthz checks, run in-process; prints the JSON
report and exits 1 when a check fails. docker-compose's worker and beat healthchecks use it (they serve
no HTTP)."""

import asyncio
import json

from django.core.management.base import BaseCommand, CommandError

from health.checks import GROUPS
from health.views import report, run_checks


class Command(BaseCommand):
    help = "Run the health checks of one process kind; exit 1 if any fails."

    def add_arguments(self, parser):
        parser.add_argument("group", nargs="?", default="all", choices=sorted(GROUPS))

    def handle(self, *args, group, **options):
        body, status = report(asyncio.run(run_checks(GROUPS[group])))
        self.stdout.write(json.dumps(body))
        if status != 200:
            raise CommandError(f"unhealthy: {', '.join(n for n, c in body['checks'].items() if not c['ok'])}")
