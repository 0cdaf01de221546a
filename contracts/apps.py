from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        # Service levels sit below contracts: they learn what a client signed through this reader.
        from contracts.selectors import effective_sla_for_client
        from service_levels.selectors import register_client_sla_reader

        register_client_sla_reader(effective_sla_for_client)
