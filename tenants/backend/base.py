"""Django's PostgreSQL backend, with the compilers of :mod:`tenants.backend.compiler`."""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    compiler_module = "tenants.backend.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
