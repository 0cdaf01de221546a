from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        from tenants import checks  # noqa: F401 (registers the system checks)
        from tenants.grants import apply_grants_after_migrate

        # post_migrate is sent once per app after the whole run; answering only our own sends it once.
        post_migrate.connect(apply_grants_after_migrate, sender=self, dispatch_uid="tenants.apply_grants")
