from django.template.loader import render_to_string

from billing import selectors
from billing.models import BillingAccount


def billing_panel(request, client) -> str:
    """The client page's billing strip: what is open and overdue, account credit, where invoices go, with
    links to the client's invoices and billing account. Nothing for staff who may not see billing.
    Registered with clients.panels in BillingConfig.ready()."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can("billing.view"):
        return ""
    invoices = selectors.client_invoices(client)
    return render_to_string(
        "billing/includes/client_panel.html",
        {
            "client": client,
            "totals": selectors.invoice_totals(invoices),
            "credit": selectors.credit_balance(client),
            "account": BillingAccount.objects.filter(client=client).first(),
            "currency": request.tenant.currency,
        },
        request=request,
    )
