from datetime import UTC, datetime, time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from api.keys import create_api_key
from api.models import KeyKind
from api.scopes import all_scopes
from tenants.models import Tenant
from tenants.scope import tenant_scope


class Command(BaseCommand):
    help = "Create a partner API key for a tenant. Prints the key alone as the last line (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument(
            "--scopes",
            default="read",
            help=f"Comma-separated, some of: {', '.join(all_scopes())}. `read`/`write`: every resource.",
        )
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--owner", help="Email of the staff member responsible for it (default: the first owner)."
        )
        parser.add_argument("--kind", choices=KeyKind.values, default=KeyKind.SERVICE)
        parser.add_argument(
            "--expires", help="Last day it works (YYYY-MM-DD, through the end of that day, UTC)."
        )

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {options['tenant']!r}.")
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        owner = None
        if options["owner"]:
            owner = get_user_model().objects.filter(email__iexact=options["owner"]).first()
            if owner is None:
                raise CommandError(f"No user with email {options['owner']!r}.")
        expires_at = None
        if options["expires"]:
            try:
                day = datetime.strptime(options["expires"], "%Y-%m-%d").date()
            except ValueError as error:
                raise CommandError("--expires takes a date: YYYY-MM-DD.") from error
            expires_at = datetime.combine(day, time.max, tzinfo=UTC)
        with tenant_scope(tenant):
            try:
                key, clear_key = create_api_key(
                    name=options["name"],
                    scopes=scopes,
                    owner=owner,
                    kind=options["kind"],
                    expires_at=expires_at,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"Created API key {key.name!r} for {tenant.name} with scopes {', '.join(key.scopes)}, "
            f"owned by {key.owner}."
        )
        self.stdout.write(clear_key)
