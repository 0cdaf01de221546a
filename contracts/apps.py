from django.apps import AppConfig


class ContractsConfig(AppConfig):
    name = "contracts"
    verbose_name = "Contracts"

    def ready(self):
        # Clients and service levels sit below contracts: contracts plug into them here instead.
        from clients.panels import register_client_list_column, register_client_panel
        from contracts.client_panel import contract_standing_panel, contract_status_column
        from contracts.selectors import effective_sla_for_client
        from service_levels.selectors import register_client_sla_reader

        register_client_panel("contract", contract_standing_panel)
        register_client_list_column(contract_status_column)
        register_client_sla_reader(effective_sla_for_client)
