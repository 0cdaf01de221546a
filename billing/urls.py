"""Staff pages of billing (namespace "billing", under /billing/): invoices, credit notes, the company's
billing settings and a client's billing account (billing/views_invoices.py), disputes
(billing/views_disputes.py) and the billing run (billing/views_run.py)."""

from django.urls import path

from billing import views_disputes, views_run
from billing import views_invoices as invoices

app_name = "billing"

urlpatterns = [
    path("invoices/", invoices.InvoiceListView.as_view(), name="invoice_list"),
    path("invoices/<int:pk>/", invoices.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("invoices/<int:pk>/pdf/", invoices.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("invoices/<int:pk>/payments/", invoices.RecordPaymentView.as_view(), name="invoice_payment"),
    path("invoices/<int:pk>/credit/", invoices.CreditNoteCreateView.as_view(), name="invoice_credit"),
    path("invoices/<int:pk>/void/", invoices.VoidInvoiceView.as_view(), name="invoice_void"),
    path("invoices/<int:pk>/email/", invoices.ResendInvoiceView.as_view(), name="invoice_email"),
    path("invoices/<int:pk>/dispute/", invoices.DisputeInvoiceView.as_view(), name="invoice_dispute"),
    path("credit-notes/", invoices.CreditNoteListView.as_view(), name="credit_note_list"),
    path("credit-notes/<int:pk>/", invoices.CreditNoteDetailView.as_view(), name="credit_note_detail"),
    path("credit-notes/<int:pk>/pdf/", invoices.CreditNotePdfView.as_view(), name="credit_note_pdf"),
    # Disputes (billing/views_disputes.py)
    path("disputes/", views_disputes.DisputeListView.as_view(), name="disputes"),
    path("disputes/rate.csv", views_disputes.DisputeRateCsvView.as_view(), name="dispute_rate_csv"),
    path("disputes/rate.json", views_disputes.DisputeRateJsonView.as_view(), name="dispute_rate_json"),
    path("disputes/<int:pk>/", views_disputes.DisputeDetailView.as_view(), name="dispute_detail"),
    path("disputes/<int:pk>/reply/", views_disputes.DisputeReplyView.as_view(), name="dispute_reply"),
    path("disputes/<int:pk>/explain/", views_disputes.DisputeExplainView.as_view(), name="dispute_explain"),
    path("disputes/<int:pk>/resolve/", views_disputes.DisputeResolveView.as_view(), name="dispute_resolve"),
    path(
        "disputes/<int:pk>/withdraw/", views_disputes.DisputeWithdrawView.as_view(), name="dispute_withdraw"
    ),
    path("settings/", invoices.BillingSettingsView.as_view(), name="settings"),
    path("clients/<int:client_pk>/account/", invoices.BillingAccountView.as_view(), name="billing_account"),
    # The billing run (billing/views_run.py)
    path("run/", views_run.BillingRunView.as_view(), name="run"),
    path("run/start/", views_run.StartRunView.as_view(), name="run_start"),
    path("run/progress/", views_run.RunProgressView.as_view(), name="run_progress"),
]
