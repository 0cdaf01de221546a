"""Staff pages of agreements, signing campaigns and renewals: lists, details with the history timeline,
the campaign page with live progress (htmx polling) and the coverage KPI, and the renewal pipeline.

Writes go through contracts.agreements and contracts.campaigns; the figures come from the selectors
in contracts.campaigns and contracts.renewals.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from accounts.actors import actor_label
from clients.models import Client
from contracts import agreements, campaigns, client_contract, renewals, signers
from contracts.documents import money
from contracts.forms_agreements import (
    AgreementFilterForm,
    AgreementForm,
    CampaignForm,
    CancelForm,
    SignersForm,
)
from contracts.models import (
    Agreement,
    AgreementStatus,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    Signature,
    TemplateKind,
)
from contracts.selectors import current_service_agreement
from memberships.selectors import plans_of_agreements
from tenants.keyset_pages import keyset_list_context
from tenants.localtime import tenant_today
from tenants.views import StaffRequiredMixin

S = AgreementStatus
# Colour + word for each status (the word is the label; the colour never stands alone).
STATUS_BADGES = {
    S.DRAFT: "text-bg-secondary",
    S.SENT: "text-bg-primary",
    S.SIGNED: "text-bg-info",
    S.ACTIVE: "text-bg-success",
    S.EXPIRING: "text-bg-warning",
    S.EXPIRED: "text-bg-dark",
    S.CANCELLED: "text-bg-light border",
    S.SUPERSEDED: "text-bg-light border",
    S.DECLINED: "text-bg-danger",
}
CAMPAIGN_BADGES = {
    CampaignStatus.DRAFT: "text-bg-secondary",
    CampaignStatus.SENDING: "text-bg-primary",
    CampaignStatus.OPEN: "text-bg-warning",
    CampaignStatus.CLOSED: "text-bg-dark",
}
HISTORY_LABELS = {
    "created": "Created as a draft",
    "sent": "Sent for signature",
    "resent": "Sent again",
    "viewed": "Opened by the signer",
    "signed": "Signed",
    "activated": "Term started",
    "declined": "Declined",
    "cancelled": "Cancelled",
    "superseded": "Replaced by a newer agreement",
    "expiring": "Entered the notice window",
    "expired": "Term ended",
    "not_delivered": "Email not delivered",
    "grace_period_ended": "Grace period ended: basic triage only",
    "auto_renewed": "Renewed automatically (same version, no new signature)",
    "renewal_needs_signature": "Renewal on a new version: signature needed",
    "renewed": "Renewed for the next term",
    "renewal_sent": "Renewal on a new version sent for signature",
}
DETAIL_KEYS = ("to", "reason", "note", "days_left", "version", "previous_version", "deadline", "effect")


def status_badge(status: str) -> dict:
    return {"label": S(status).label, "css": STATUS_BADGES[S(status)]}


class ContractsViewMixin(StaffRequiredMixin):
    permission = "contracts.view"

    def get_context_data(self, **kwargs):
        tenant = self.request.tenant
        return super().get_context_data(zone=tenant.timezone, currency=tenant.currency, **kwargs)


class ContractsManageMixin(ContractsViewMixin):
    permission = "contracts.manage"


# --- Agreements -----------------------------------------------------------------------------------


class AgreementListView(ContractsViewMixin, ListView):
    """Keyset pages (Previous / Next, tenants.keyset_pages) like the ticket list: a page costs its 25
    rows however many agreements years of renewals leave behind, where COUNT + OFFSET read them all."""

    model = Agreement
    page_size = 25
    keyset_ordering = ("-updated_at", "-id")  # the (tenant, updated_at, id) index answers a page directly
    template_name = "contracts/agreement_list.html"

    def get_queryset(self):
        self.filters = AgreementFilterForm(self.request.GET or None)
        rows = Agreement.objects.select_related("client", "version__template", "parent")
        if self.filters.is_valid():
            if q := self.filters.cleaned_data["q"].strip():
                rows = rows.filter(client__name__icontains=q)
            if status := self.filters.cleaned_data["status"]:
                rows = rows.filter(status=status)
        return rows

    def get_template_names(self):
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            keyset_list_context(
                self.request.GET, context["object_list"], self.keyset_ordering, size=self.page_size
            )
        )
        page = context["keyset"]
        counts = dict(Agreement.objects.values_list("status").annotate(n=Count("pk")).order_by())
        plans = plans_of_agreements([agreement.pk for agreement in page.rows], on=tenant_today())
        for agreement in page.rows:
            agreement.badge = status_badge(agreement.status)
            agreement.plan = plans.get(agreement.pk)
            agreement.fee = (
                money(agreement.plan.monthly_value, self.request.tenant.currency) if agreement.plan else ""
            )
        data = self.filters.cleaned_data if self.filters.is_valid() else {"q": "", "status": ""}
        context.update(
            filters=self.filters,
            q=data["q"],
            status=data["status"],
            status_chips=[
                {"value": value, "label": label, "count": counts.get(value, 0)}
                for value, label in S.choices
                if counts.get(value)
            ],
            total=sum(counts.values()),
        )
        return context


def history_rows(agreement: Agreement) -> list[dict]:
    rows = []
    for event in agreement.history.all():
        details = [
            (key.replace("_", " "), event.details[key]) for key in DETAIL_KEYS if event.details.get(key)
        ]
        rows.append(
            {
                "event": event,
                "label": HISTORY_LABELS.get(event.kind, event.kind.replace("_", " ").capitalize()),
                "badge": status_badge(event.to_status) if event.to_status else None,
                "details": details,
            }
        )
    return rows


class AgreementDetailView(ContractsViewMixin, DetailView):
    model = Agreement
    template_name = "contracts/agreement_detail.html"

    def get_queryset(self):
        return Agreement.objects.select_related(
            "client", "version__template", "parent__version", "renewed_from"
        )

    def get_context_data(self, **kwargs):
        agreement = self.object
        currency = self.request.tenant.currency
        plan = plans_of_agreements([agreement.pk], on=tenant_today()).get(agreement.pk)
        supplements = list(agreement.supplements.select_related("version").order_by("-created_at"))
        for supplement in supplements:
            supplement.badge = status_badge(supplement.status)
        renewals_ = list(agreement.renewals.select_related("version").order_by("-created_at"))
        for renewal in renewals_:
            renewal.badge = status_badge(renewal.status)
        signatures = Signature.objects.filter(agreement=agreement).select_related("contact").order_by("-id")
        named = signers.signers_of(agreement)
        recipients = CampaignRecipient.objects.filter(agreement=agreement).select_related(
            "campaign", "contact"
        )
        return super().get_context_data(
            badge=status_badge(agreement.status),
            plan=plan,
            fee=money(plan.monthly_value, currency) if plan else "",
            history=history_rows(agreement),
            signatures=signatures.defer("pdf", "document_html"),
            supplements=supplements,
            renewals=renewals_,
            recipients=recipients,
            renewal_reminders=agreement.renewal_reminders.order_by("-days_before"),
            can_send=agreement.status in campaigns.REUSABLE,
            can_cancel=agreement.status not in (S.EXPIRED, S.CANCELLED),
            signers=list(campaigns.signers_of(agreement.client)),
            named_signers=named,
            signers_form=kwargs.pop("signers_form", None) or signers_form_for(agreement, named),
            is_supplement=agreement.parent_id is not None,
            heading=agreement_heading(agreement),
            **kwargs,
        )


def signer_candidates(agreement: Agreement):
    """The client's contacts who can be asked to sign: not archived, with an email address."""
    return (
        agreement.client.contacts.filter(archived_at__isnull=True)
        .exclude(email="")
        .order_by("-can_sign", "-is_primary", "full_name")
    )


def signers_form_for(agreement: Agreement, named, data=None) -> SignersForm:
    return SignersForm(
        data,
        contacts=signer_candidates(agreement),
        current=named,
        email_code_default=signers.email_code_by_default(agreement),
    )


class AgreementSignersView(ContractsManageMixin, SingleObjectMixin, View):
    """Name who signs (and in which order), then send: the agreement's send form."""

    model = Agreement
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        agreement = self.get_object()
        form = signers_form_for(agreement, signers.signers_of(agreement), data=request.POST)
        if form.is_valid():
            try:
                signers.set_signers(agreement, form.requests(), in_order=form.cleaned_data["in_order"])
                sent = campaigns.send_agreement_for_signature(agreement, actor=actor_label(request.user))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                if sent:
                    messages.success(request, f"Emailed a signing link to {sent} signer{'s' * (sent != 1)}.")
                else:
                    messages.error(request, "No email could be delivered: see the history below.")
        else:
            messages.error(request, "Check the signers: a turn is a number from 1 to 10.")
        return HttpResponseRedirect(reverse("contracts:agreement_detail", args=[agreement.pk]) + "#signers")


def agreement_heading(agreement: Agreement) -> str:
    """The version's title; a supplement's says so, once (its title often does already)."""
    title = agreement.version.title
    if agreement.parent_id is None or title.casefold().startswith("supplement"):
        return title
    return f"Supplement: {title}"


class AgreementCreateView(ContractsManageMixin, FormView):
    form_class = AgreementForm
    template_name = "contracts/agreement_form.html"

    def get_initial(self):
        initial = super().get_initial()
        if (client_id := self.request.GET.get("client", "")) and client_id.isdigit():
            initial["client"] = client_id
        return initial

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "currency": self.request.tenant.currency}

    def form_valid(self, form):
        data = form.cleaned_data
        parent = None
        if data["version"].template.kind == TemplateKind.SUPPLEMENT:
            parent = current_service_agreement(data["client"])
            if parent is None:
                form.add_error("version", "An amendment needs a signed service contract to amend.")
                return self.form_invalid(form)
        try:
            agreement = agreements.create_agreement(
                client=data["client"], version=data["version"], parent=parent, starts_on=data["starts_on"],
                plan=data["plan"], riders=list(data["riders"]), billing_cycle=data["billing_cycle"],
                plan_price=data["plan_price"], actor=actor_label(self.request.user),
            )  # fmt: skip
            if self.request.POST.get("send"):
                sent = campaigns.send_agreement_for_signature(agreement, actor=actor_label(self.request.user))
                messages.success(
                    self.request, f"Agreement created and emailed to {sent} signer{'s' * (sent != 1)}."
                )
            else:
                messages.success(self.request, "Draft agreement created. Send it when you are ready.")
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("contracts:agreement_detail", args=[agreement.pk]))


class AgreementActionView(ContractsManageMixin, SingleObjectMixin, View):
    model = Agreement
    http_method_names = ["post"]

    def act(self, agreement: Agreement) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        agreement = self.get_object()
        try:
            messages.success(request, self.act(agreement))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("contracts:agreement_detail", args=[agreement.pk]))


class AgreementSendView(AgreementActionView):
    """Email every signer of the client a fresh signing link (first send, or again)."""

    def act(self, agreement):
        sent = campaigns.send_agreement_for_signature(agreement, actor=actor_label(self.request.user))
        if not sent:
            raise ValidationError("No email could be delivered: see the history below.")
        return f"Emailed a signing link to {sent} signer{'s' * (sent != 1)}."


class ClientContractSendView(ContractsManageMixin, SingleObjectMixin, View):
    """The client page's "send for signature": the client's next contract step
    (contracts.client_contract), back to the client page with what happened."""

    model = Client
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        client = self.get_object()
        try:
            sent = client_contract.send_client_contract(client, actor=actor_label(request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            what = f"{sent.agreement.version.title} (v{sent.agreement.version.number})"
            if sent.emailed:
                messages.success(
                    request,
                    f"Emailed {what} to {sent.emailed} signer{'s' * (sent.emailed != 1)} for signature.",
                )
            else:
                messages.error(
                    request, f"No email could be delivered for {what}: see the agreement's history."
                )
        return HttpResponseRedirect(reverse("clients:detail", args=[client.pk]))


class AgreementCancelView(AgreementActionView):
    def act(self, agreement):
        form = CancelForm(self.request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        agreements.cancel(agreement, actor=actor_label(self.request.user), reason=reason)
        return "Agreement cancelled. Its history is kept."


# --- Campaigns ------------------------------------------------------------------------------------


class CampaignListView(ContractsViewMixin, ListView):
    model = Campaign
    paginate_by = 20
    template_name = "contracts/campaign_list.html"

    def get_queryset(self):
        return Campaign.objects.select_related("version__template", "created_by").order_by("-created_at")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for campaign in context["object_list"]:
            campaign.progress = campaigns.campaign_progress(campaign)
            campaign.badge = CAMPAIGN_BADGES[CampaignStatus(campaign.status)]
        context["coverage"] = campaigns.coverage()
        return context


class CampaignCreateView(ContractsManageMixin, FormView):
    form_class = CampaignForm
    template_name = "contracts/campaign_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "today": tenant_today()}

    def get_initial(self):
        today = tenant_today()
        return {"name": f"Service agreement signing, {today:%B %Y}"}

    def get_context_data(self, **kwargs):
        signed_ids = set(campaigns.clients_with_signed_contract().values_list("client_id", flat=True))
        with_signer = set(campaigns.signers_of_all().values_list("client_id", flat=True))
        return super().get_context_data(
            signed_ids=signed_ids,
            with_signer=with_signer,
            coverage=campaigns.coverage(),
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            campaign = campaigns.open_signature_campaign(
                name=data["name"], version=data["version"], client_ids=form.client_ids,
                grace_deadline=data["grace_deadline"], reminder_days=data["reminder_days"],
                message=data["message"], created_by=self.request.user,
            )  # fmt: skip
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, error)
            return self.form_invalid(form)
        asked = campaign.recipients.values("client_id").distinct().count()
        if self.request.POST.get("send") and asked:
            queued = campaigns.send_campaign(campaign, actor=actor_label(self.request.user))
            messages.success(self.request, f"Sending {queued} email{'s' * (queued != 1)} to {asked} clients.")
        else:
            messages.success(
                self.request, f"Campaign saved as a draft: {asked} client{'s' * (asked != 1)} to ask."
            )
        if campaign.not_reached:
            messages.warning(
                self.request,
                format_html(
                    "{} client{} could not be asked: {}",
                    len(campaign.not_reached),
                    "s" * (len(campaign.not_reached) != 1),
                    format_html_join(
                        "; ", "{} ({})", ((n.client, n.reason) for n in campaign.not_reached[:8])
                    ),
                ),
            )
        return HttpResponseRedirect(reverse("contracts:campaign_detail", args=[campaign.pk]))


def campaign_context(campaign: Campaign) -> dict:
    progress = campaigns.campaign_progress(campaign)
    today = tenant_today()
    return {
        "campaign": campaign,
        "progress": progress,
        "coverage": campaigns.coverage(),
        "badge": CAMPAIGN_BADGES[CampaignStatus(campaign.status)],
        "days_left": (campaign.grace_deadline - today).days,
        "polling": campaign.status in (CampaignStatus.SENDING, CampaignStatus.OPEN),
        "is_supplement": campaign.version.template.kind == TemplateKind.SUPPLEMENT,
    }


class CampaignDetailView(ContractsViewMixin, DetailView):
    model = Campaign
    template_name = "contracts/campaign_detail.html"

    def get_queryset(self):
        return Campaign.objects.select_related("version__template", "created_by")

    def get_context_data(self, **kwargs):
        context = campaign_context(self.object)
        asked = {row.client.pk for row in context["progress"].rows}
        not_asked = (
            campaigns.default_campaign_clients(self.object.version)
            .exclude(pk__in=asked)
            .prefetch_related(Prefetch("contacts", queryset=campaigns.signers_of_all(), to_attr="signers"))
            .order_by("name")
        )
        return super().get_context_data(**context, not_asked=not_asked, **kwargs)


class CampaignProgressView(ContractsViewMixin, DetailView):
    """The live part of the campaign page, polled by htmx every 5 s while the campaign runs."""

    model = Campaign
    template_name = "contracts/campaign_detail.html#progress"

    def get_queryset(self):
        return Campaign.objects.select_related("version__template")

    def get_context_data(self, **kwargs):
        return super().get_context_data(**campaign_context(self.object), **kwargs)


class CampaignSendView(ContractsManageMixin, SingleObjectMixin, View):
    model = Campaign
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.get_object()
        try:
            queued = campaigns.send_campaign(campaign, actor=actor_label(request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if queued:
                messages.success(
                    request, f"Sending {queued} email{'s' * (queued != 1)}. Progress updates below."
                )
            else:
                messages.info(request, "Everyone in this campaign has been emailed already.")
        return HttpResponseRedirect(reverse("contracts:campaign_detail", args=[campaign.pk]))


class CampaignAddClientsView(ContractsManageMixin, SingleObjectMixin, View):
    """Ask clients the campaign does not reach yet (e.g. once a signer was added), and send at once if
    the campaign is already out."""

    model = Campaign
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        campaign = self.get_object()
        ids = [pk for pk in request.POST.getlist("client") if pk.isdigit()]
        try:
            not_reached = campaigns.add_clients_to_campaign(
                campaign, client_ids=ids, actor=actor_label(request.user)
            )
            if campaign.status != CampaignStatus.DRAFT:
                campaigns.send_campaign(campaign, actor=actor_label(request.user))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            added = len(ids) - len(not_reached)
            if added:
                messages.success(request, f"Added {added} client{'s' * (added != 1)} to the campaign.")
            for item in not_reached:
                messages.warning(request, f"{item.client}: {item.reason}")
        return HttpResponseRedirect(reverse("contracts:campaign_detail", args=[campaign.pk]))


# --- Renewals -------------------------------------------------------------------------------------


class RenewalPipelineView(ContractsViewMixin, TemplateView):
    template_name = "contracts/renewals.html"

    def get_context_data(self, **kwargs):
        currency = self.request.tenant.currency
        buckets = renewals.renewal_pipeline()
        for bucket in buckets:
            bucket.total_display = money(bucket.monthly_total, currency)
            for row in bucket.rows:
                row.fee = money(row.monthly_fee, currency)
        at_stake = sum((bucket.monthly_total for bucket in buckets), start=0)
        mrr = renewals.monthly_recurring_revenue()
        return super().get_context_data(
            buckets=buckets,
            at_stake=money(at_stake, currency),
            mrr=money(mrr, currency),
            at_stake_percent=round(100 * at_stake / mrr) if mrr else 0,
            thresholds=renewals.RENEWAL_REMINDER_DAYS,
            **kwargs,
        )
