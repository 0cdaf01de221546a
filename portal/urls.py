"""Client portal pages. Every route takes a link's token: the link says which agreement and whose, so
nothing in the URL can point a link at another object. The tickets pages also take a ticket id, looked up
among the link's client's tickets only (portal/client_tickets.py), an invoice id among its issued invoices
(portal/views_invoices.py). The rewards page shows the link's client's rewards only."""

from django.urls import path

from portal import (
    views,
    views_branding,
    views_invoices,
    views_plan,
    views_referrals,
    views_rewards,
    views_spotlight,
    views_tickets,
)
from portal import views_invoices as invoices

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.open_link, name="open"),
    path("<str:token>/sign/", views.sign, name="sign"),
    path("<str:token>/decline/", views.decline, name="decline"),
    path("<str:token>/code/send/", views.send_code, name="send_code"),
    path("<str:token>/code/", views.confirm_code, name="confirm_code"),
    path("<str:token>/signed/", views.done, name="done"),
    path("<str:token>/signed.pdf", views.signed_pdf, name="pdf"),
    path("<str:token>/logo/", views_branding.logo, name="logo"),
    path("<str:token>/fresh-link/", views.fresh_link, name="fresh_link"),
    path("<str:token>/plan/", views_plan.plan_overview, name="plan"),
    path("<str:token>/plan/<int:plan_id>/", views_plan.plan_choose, name="plan_choose"),
    path("<str:token>/plan/sign/", views_plan.plan_sign, name="plan_sign"),
    path("<str:token>/tickets/", views_tickets.ticket_list, name="tickets"),
    path("<str:token>/tickets/new/", views_tickets.ticket_new, name="ticket_new"),
    path("<str:token>/tickets/<int:pk>/", views_tickets.ticket_detail, name="ticket"),
    path("<str:token>/tickets/<int:pk>/reply/", views_tickets.ticket_reply, name="ticket_reply"),
    path("<str:token>/tickets/<int:pk>/files/", views_tickets.ticket_attach, name="ticket_attach"),
    path(
        "<str:token>/tickets/<int:pk>/files/<int:attachment_pk>/",
        views_tickets.ticket_file,
        name="ticket_file",
    ),
    path("<str:token>/tickets/<int:pk>/close/", views_tickets.ticket_close, name="ticket_close"),
    path("<str:token>/tickets/<int:pk>/reopen/", views_tickets.ticket_reopen, name="ticket_reopen"),
    path("<str:token>/refer/", views_referrals.refer, name="refer"),
    path("<str:token>/refer/thanks/", views_referrals.referred, name="referred"),
    path("<str:token>/referral-profile/", views_referrals.profile, name="referral_profile"),
    path("<str:token>/invoices/", views_invoices.invoice_list, name="invoices"),
    path("<str:token>/invoices/<int:pk>/", views_invoices.invoice_detail, name="invoice"),
    path("<str:token>/invoices/<int:pk>/pdf/", views_invoices.invoice_download, name="invoice_pdf"),
    path("<str:token>/invoices/<int:pk>/dispute/", invoices.dispute_new, name="invoice_dispute"),
    path("<str:token>/invoices/<int:pk>/dispute/reply/", invoices.dispute_reply, name="dispute_reply"),
    path("<str:token>/invoices/<int:pk>/dispute/accept/", invoices.dispute_accept, name="dispute_accept"),
    path("<str:token>/invoices/<int:pk>/dispute/withdraw/", invoices.dispute_withdraw, name="dispute_drop"),
    path("<str:token>/rewards/", views_rewards.reward_list, name="rewards"),
    path("<str:token>/spotlight/", views_spotlight.spotlight, name="spotlight"),
]
