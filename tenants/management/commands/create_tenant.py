from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tenants.services import create_tenant


class Command(BaseCommand):
    help = "Create a tenant with its first owner. Prints the new tenant's slug as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--owner-password", help="Set the owner's password (else use password reset).")
        parser.add_argument("--timezone", default="UTC")
        parser.add_argument("--currency", default="USD")
        parser.add_argument("--country", default="US")
        parser.add_argument("--subdivision", default="")

    def handle(self, *args, **options):
        try:
            tenant = create_tenant(
                name=options["name"],
                owner_email=options["owner_email"],
                owner_password=options["owner_password"],
                timezone=options["timezone"],
                currency=options["currency"],
                country=options["country"],
                subdivision=options["subdivision"],
            )
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from error
        self.stdout.write(f"Created tenant {tenant.name!r} with owner {options['owner_email']}.")
        self.stdout.write(tenant.slug)
