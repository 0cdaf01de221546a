from django.template.loader import render_to_string

from clients.panels import ClientListColumn
from contracts.campaigns import client_contract_banner
from contracts.client_contract import next_contract_step
from contracts.selectors import ContractStatus, client_agreements, with_contract_status
from contracts.views_agreements import status_badge


def contract_standing_panel(request, client) -> str:
    """The client page's contract: the banner (signed, grace period, basic triage or unsigned), the
    "send for signature" step, and every agreement of the client with its status, version and term.
    Registered with clients.panels in ContractsConfig.ready()."""
    rows = list(client_agreements(client))
    for agreement in rows:
        agreement.badge = status_badge(agreement.status)
    return render_to_string(
        "contracts/includes/client_contract_panel.html",
        {
            "banner": client_contract_banner(client),
            "client": client,
            "next": next_contract_step(client),
            "agreements": rows,
        },
        request=request,
    )


# The client list's contract column: ContractStatus worked out in SQL for the whole page at once.
contract_status_column = ClientListColumn(
    param="contract",
    annotation="contract_status",
    heading="Contract",
    annotate=with_contract_status,
    choices=ContractStatus.choices,
    cell_template="contracts/includes/client_list_contract_cell.html",
)
