"""``flush`` (and the test suite's clean-up after a transactional test) runs as the database owner: the
web role is never granted TRUNCATE, which would skip row-level security and the evidence guards."""

from django.core.management.commands.flush import Command as DjangoFlush

from tenants.connections import as_owner


class Command(DjangoFlush):
    def handle(self, **options):
        with as_owner(options["database"]):
            return super().handle(**options)
