from django.core.management.base import BaseCommand, CommandError

from api.keys import create_api_key
from tenants.models import Tenant
from tenants.scope import tenant_scope


class Command(BaseCommand):
    help = "Create a partner API key for a tenant. Prints the key alone as the last line (shown once)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", required=True, help="The tenant's slug.")
        parser.add_argument("--scopes", default="read", help="Comma-separated: read, write.")
        parser.add_argument("--name", required=True)

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {options['tenant']!r}.")
        scopes = [scope.strip() for scope in options["scopes"].split(",") if scope.strip()]
        with tenant_scope(tenant):
            try:
                key, clear_key = create_api_key(name=options["name"], scopes=scopes)
            except ValueError as error:
                raise CommandError(str(error)) from error
        self.stdout.write(
            f"Created API key {key.name!r} for {tenant.name} with scopes {', '.join(key.scopes)}."
        )
        self.stdout.write(clear_key)
