"""``migrate`` always runs as the database owner: the web role owns nothing and may create nothing."""

from django.core.management.commands.migrate import Command as DjangoMigrate

from tenants.connections import as_owner


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        with as_owner(options["database"]):
            return super().handle(*args, **options)
