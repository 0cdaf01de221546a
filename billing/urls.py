"""Staff pages of billing (namespace "billing", under /billing/): invoices, credit notes, the company's
billing settings and a client's billing account (billing/views_invoices.py), and the billing run
(billing/views_run.py)."""

from django.urls import path

from billing import views_invoices as invoices
from billing import views_run

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
    path("invoices/<int:pk>/settle/", invoices.SettleDisputeView.as_view(), name="invoice_settle"),
    path("credit-notes/", invoices.CreditNoteListView.as_view(), name="credit_note_list"),
    path("credit-notes/<int:pk>/", invoices.CreditNoteDetailView.as_view(), name="credit_note_detail"),
    path("credit-notes/<int:pk>/pdf/", invoices.CreditNotePdfView.as_view(), name="credit_note_pdf"),
    path("settings/", invoices.BillingSettingsView.as_view(), name="settings"),
    path("clients/<int:client_pk>/account/", invoices.BillingAccountView.as_view(), name="billing_account"),
    # The billing run (billing/views_run.py)
    path("run/", views_run.BillingRunView.as_view(), name="run"),
    path("run/start/", views_run.StartRunView.as_view(), name="run_start"),
    path("run/progress/", views_run.RunProgressView.as_view(), name="run_progress"),
]
