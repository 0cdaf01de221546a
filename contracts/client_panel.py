from django.template.loader import render_to_string

from contracts.campaigns import client_contract_banner


def contract_standing_panel(request, client) -> str:
    """The client page's contract banner (signed, grace period, basic triage or unsigned), with the link
    to the agreement or to send one. Registered with clients.panels in ContractsConfig.ready()."""
    return render_to_string(
        "contracts/includes/client_contract_banner.html",
        {"banner": client_contract_banner(client), "client": client},
        request=request,
    )
