"""Staff pages of tickets: the list, a new ticket, a ticket's page with its actions, and the SLA board.

Reads come from ``tickets.selectors``; every write goes through ``tickets.services``. Times are shown in
the tenant's time zone (pages render inside it) with the zone named.
"""

from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView
from django.views.generic.base import TemplateResponseMixin
from django.views.generic.detail import SingleObjectMixin

from accounts.actors import actor_label
from contracts.coverage import WorkType
from contracts.documents import money, plain_number
from service_levels.durations import minutes_words
from service_levels.models import IssueType, Metric, Priority
from service_levels.selectors import priority_for
from tenants.keyset_pages import capped_count, keyset_page
from tenants.localtime import tenant_today, tenant_zone
from tenants.selectors import users_with_cost_rates
from tenants.views import StaffRequiredMixin
from tickets import attachments, selectors, services
from tickets.forms import AssignForm, ReplyForm, RetargetForm, StatusForm, TicketForm, TimeEntryForm
from tickets.models import Ticket, TicketStatus


class TicketViewMixin(StaffRequiredMixin):
    """Everyone on the staff may look at tickets; pages render in the tenant's time zone."""

    permission = "tickets.view"

    @property
    def zone(self) -> ZoneInfo:
        return tenant_zone(self.request.tenant)

    def get_context_data(self, **kwargs):
        return super().get_context_data(zone_name=self.request.tenant.timezone, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        with timezone.override(self.zone):  # {{ when|date }} shows tenant wall time
            response.render()
        return response


# --- The list ---------------------------------------------------------------------------------------


class TicketListView(TicketViewMixin, ListView):
    """Keyset pages ("Newer / Older", tenants.keyset_pages) and a count that stops at 1,000: a tenant with
    a million tickets pays for 25 rows, not for the million before them."""

    model = Ticket
    page_size = 25
    template_name = "tickets/ticket_list.html"
    FILTERS = ("q", "status", "priority", "assignee", "client", "sort")

    def filters(self) -> dict:
        values = {name: self.request.GET.get(name, "").strip() for name in self.FILTERS}
        values["status"] = values["status"] or "open"
        values["sort"] = values["sort"] or "newest"
        return values

    def get_queryset(self):
        return selectors.ticket_list(user=self.request.user, **self.filters())

    def get_template_names(self):
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = self.filters()
        page = keyset_page(
            context["object_list"],
            selectors.SORTS.get(filters["sort"], selectors.SORTS["newest"]),
            size=self.page_size,
            cursor=self.request.GET.get("cursor", ""),
        )
        tickets = page.rows
        summaries = selectors.sla_summaries(tickets, now=timezone.now())
        for ticket in tickets:
            ticket.sla = summaries.get(ticket.pk)
        params = self.request.GET.copy()
        params.pop("cursor", None)
        params.pop("page", None)
        count, more = capped_count(context["object_list"])
        context.update(
            keyset=page,
            total=count,
            more_than_total=more,
            filters=filters,
            filtered=any(filters[name] for name in ("q", "priority", "assignee", "client"))
            or filters["status"] != "open",
            querystring=params.urlencode(),
            status_choices=selectors.STATUS_FILTERS,
            priorities=Priority.choices,
            staff=selectors.staff_users(),
            clients=selectors.filter_clients(),
            sorts=[
                ("newest", "Newest"),
                ("oldest", "Oldest"),
                ("updated", "Recently updated"),
                ("priority", "Priority"),
            ],
            object_list=tickets,
        )
        return context


# --- A new ticket -----------------------------------------------------------------------------------


class TicketCreateView(TicketViewMixin, FormView):
    permission = "tickets.manage"
    form_class = TicketForm
    template_name = "tickets/ticket_form.html"

    def get_initial(self):
        client = self.request.GET.get("client", "")
        return {"client": client} if client.isdigit() else {}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["hint"] = priority_hint(context["form"])
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            ticket = services.open_ticket(
                client=data["client"], site=data["site"], contact=data["contact"],
                issue_type=data["issue_type"], title=data["title"], description=data["description"],
                impact=data["impact"], urgency=data["urgency"], work_location=data["work_location"],
                channel=data["channel"], assignee=data["assignee"], created_by=self.request.user,
                actor=actor_label(self.request.user),
            )  # fmt: skip
        except ValidationError as error:
            _errors_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Ticket #{ticket.number} opened: its SLA clocks are running.")
        return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.pk]))


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def priority_hint(form) -> dict:
    """The priority the matrix gives for the form's impact and urgency, and the issue type's usual one."""
    data = form.data if form.is_bound else {}
    impact = data.get("impact") or form.initial.get("impact") or form.fields["impact"].initial
    urgency = data.get("urgency") or form.initial.get("urgency") or form.fields["urgency"].initial
    issue_type_id = data.get("issue_type") or ""
    return _hint(impact, urgency, issue_type_id)


def _hint(impact: str, urgency: str, issue_type_id: str) -> dict:
    valid = {"high", "medium", "low"}
    priority = priority_for(impact, urgency) if impact in valid and urgency in valid else None
    issue_type = IssueType.objects.filter(pk=issue_type_id).first() if str(issue_type_id).isdigit() else None
    return {
        "priority": priority,
        "priority_label": Priority(priority).label if priority else "",
        "issue_type": issue_type,
    }


class ClientFieldsView(TicketViewMixin, TemplateView):
    """htmx: the site and contact pickers for the chosen client."""

    permission = "tickets.manage"
    template_name = "tickets/ticket_form.html#client_fields"

    def get_context_data(self, **kwargs):
        client = self.request.GET.get("client", "")
        form = TicketForm(initial={"client": client if client.isdigit() else None})
        return super().get_context_data(form=form, **kwargs)


class FormHintsView(TicketViewMixin, TemplateView):
    """htmx: the resulting priority; choosing an issue type also sets remote or on-site."""

    permission = "tickets.manage"
    template_name = "tickets/ticket_form.html#priority_hint"

    def get_context_data(self, **kwargs):
        get = self.request.GET
        hint = _hint(get.get("impact", ""), get.get("urgency", ""), get.get("issue_type", ""))
        location_form = None
        if self.request.headers.get("HX-Trigger-Name") == "issue_type" and hint["issue_type"]:
            location_form = TicketForm(initial={"work_location": hint["issue_type"].work_location})
        return super().get_context_data(hint=hint, location_form=location_form, **kwargs)


# --- A ticket's page and its actions ------------------------------------------------------------------

FORMS = {
    "reply_form": ReplyForm,
    "status_form": StatusForm,
    "assign_form": AssignForm,
    "retarget_form": RetargetForm,
    "time_form": TimeEntryForm,
}


def detail_context(request, ticket: Ticket, zone: ZoneInfo, **bound_forms) -> dict:
    """Everything a ticket's page shows; forms not given are fresh, with sensible defaults."""
    page = selectors.ticket_page(ticket, now=timezone.now())
    initials = {
        "status_form": {},
        "assign_form": {"assignee": ticket.assignee_id},
        "retarget_form": {"priority": ticket.priority},
        "time_form": {
            "technician": request.user.pk,
            "location": ticket.work_location,
            "worked_on": tenant_today(request.tenant),
        },
        "reply_form": {},
    }
    forms = {}
    for name, form_class in FORMS.items():
        if name in bound_forms:
            forms[name] = bound_forms[name]
        elif name == "status_form":
            forms[name] = form_class(ticket=ticket, prefix="status")
        else:
            forms[name] = form_class(initial=initials[name], prefix=name.removesuffix("_form"))
    currency = request.tenant.currency
    rated = users_with_cost_rates({entry.technician_id for entry in page.time_entries})
    for entry in page.time_entries:
        entry.work_label = selectors.work_type_label(entry.work_type)
        # "cost $0.00" only where a rate says so; otherwise the cost is unknown, not nothing.
        entry.cost_display = (
            f"cost {money(entry.cost, currency)}" if entry.technician_id in rated else ("no cost rate")
        )
        entry.bill_rate_display = money(entry.bill_rate, currency)
        entry.multiplier_display = plain_number(entry.rate_multiplier)
        entry.billable_display = money(entry.billable_amount, currency)
    return {
        "ticket": ticket,
        "page": page,
        "attachments": attachments.staff_attachments(ticket),
        "attachment_accept": attachments.ACCEPT_ATTRIBUTE,
        "attachment_help": attachments.ACCEPTED_HELP,
        "totals": {
            "time": minutes_words(page.totals.minutes),
            "covered": minutes_words(page.totals.covered_minutes),
            "billable": minutes_words(page.totals.billable_minutes),
            "cost": money(page.totals.cost, currency),
            "unrated": sum(1 for entry in page.time_entries if entry.technician_id not in rated),
            "all_unrated": bool(page.time_entries) and not rated,
            "billable_amount": money(page.totals.billable_amount, currency),
        },
        "pause_labels": [
            TicketStatus(s).label.lower() for s in ticket.sla_pause_statuses if s in TicketStatus.values
        ],
        "metrics": Metric,
        **forms,
    }


class TicketDetailView(TicketViewMixin, DetailView):
    model = Ticket
    template_name = "tickets/ticket_detail.html"

    def get_queryset(self):
        return Ticket.objects.select_related(
            "client", "site", "contact", "issue_type", "assignee", "created_by"
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(**detail_context(self.request, self.object, self.zone), **kwargs)


class TicketActionView(TicketViewMixin, TemplateResponseMixin, SingleObjectMixin, View):
    """POST a form about one ticket: valid -> the service, a message and back to the page; invalid ->
    the page again with the form's errors (status 400)."""

    model = Ticket
    permission = "tickets.manage"
    http_method_names = ["post"]
    template_name = "tickets/ticket_detail.html"
    form_name = ""
    anchor = ""

    def make_form(self, data):
        return FORMS[self.form_name](data, prefix=self.form_name.removesuffix("_form"))

    def act(self, form) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                message = self.act(form)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, message)
                url = reverse("tickets:detail", args=[self.object.pk])
                return HttpResponseRedirect(f"{url}#{self.anchor}" if self.anchor else url)
        context = detail_context(request, self.object, self.zone, **{self.form_name: form})
        context.update(object=self.object, view=self, zone_name=request.tenant.timezone)
        return self.render_to_response(context, status=400)


class ReplyView(TicketActionView):
    form_name = "reply_form"
    anchor = "conversation"

    def act(self, form) -> str:
        internal = self.request.POST.get("visibility") == "internal"
        services.add_reply(
            self.object, body=form.cleaned_data["body"], author=self.request.user, is_public=not internal
        )
        return "Internal note added." if internal else "Reply sent to the client."


class StatusView(TicketActionView):
    form_name = "status_form"

    def make_form(self, data):
        return StatusForm(data, ticket=self.object, prefix="status")

    def act(self, form) -> str:
        status = TicketStatus(form.cleaned_data["status"])
        services.change_status(self.object, status, actor=actor_label(self.request.user))
        return f"Status changed to {status.label.lower()}."


class AssignView(TicketActionView):
    form_name = "assign_form"

    def act(self, form) -> str:
        assignee = form.cleaned_data["assignee"]
        services.assign(self.object, assignee=assignee, actor=actor_label(self.request.user))
        return f"Assigned to {assignee.get_full_name()}." if assignee else "The ticket is unassigned."


class RetargetView(TicketActionView):
    form_name = "retarget_form"
    anchor = "clocks"

    def act(self, form) -> str:
        data = form.cleaned_data
        issue_type = data["issue_type"]
        if data["priority"] == self.object.priority and issue_type in (None, self.object.issue_type):
            raise ValidationError("Choose another priority or issue type: these are the ticket's already.")
        services.retarget(
            self.object, actor=actor_label(self.request.user), priority=data["priority"],
            issue_type=data["issue_type"], why=data["why"],
        )  # fmt: skip
        return "Priority and targets updated; the history says why."


class CheckInView(TicketActionView):
    form_name = ""
    anchor = "clocks"

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            services.check_in(self.object, technician=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "Checked in on site: the on-site arrival clock is met.")
        return HttpResponseRedirect(reverse("tickets:detail", args=[self.object.pk]) + "#clocks")


class LogTimeView(TicketActionView):
    permission = "time.log"
    form_name = "time_form"
    anchor = "time"

    def act(self, form) -> str:
        data = form.cleaned_data
        entry = services.log_time(
            self.object, technician=data["technician"], work_type=data["work_type"], minutes=data["minutes"],
            location=data["location"], worked_on=data["worked_on"], notes=data["notes"],
            after_hours=data["after_hours"],
        )  # fmt: skip
        spent = f"{minutes_words(entry.minutes)} of {WorkType.LABELS[entry.work_type].lower()}"
        if entry.covered:
            return f"Logged {spent}: covered by the agreement. {entry.coverage_reason}"
        currency = self.request.tenant.currency
        if entry.bill_rate:
            amount = f"{money(entry.billable_amount, currency)} at {money(entry.bill_rate, currency)}/h"
            if entry.rate_multiplier != 1:
                amount += f" × {plain_number(entry.rate_multiplier)} after hours"
            return f"Logged {spent}: billable, {amount}. {entry.coverage_reason}"
        return f"Logged {spent}: billable (no agreed rate). {entry.coverage_reason}"


# --- The SLA board --------------------------------------------------------------------------------------


class BoardView(TicketViewMixin, TemplateView):
    template_name = "tickets/board.html"
    FILTERS = ("technician", "client", "priority", "metric", "state")

    def get_template_names(self):
        return [f"{self.template_name}#board"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        filters = {name: self.request.GET.get(name, "").strip() for name in self.FILTERS}
        shown = self._shown()
        now = timezone.now()
        board = selectors.sla_board(now=now, user=self.request.user, limit=shown, **filters)
        params = {name: value for name, value in filters.items() if value}
        # The rows asked for stay in the URL, so the refresh every 15 s keeps showing as many.
        refresh = {**params, "shown": shown} if shown > selectors.BOARD_PAGE else params
        more = min(shown + selectors.BOARD_PAGE, selectors.BOARD_MAX_ROWS)
        return super().get_context_data(
            board=board,
            now=now,
            filters=filters,
            filtered=bool(params),
            querystring=urlencode(refresh),
            more_querystring=urlencode({**params, "shown": more}) if more > shown else "",
            more_rows=min(more, board.total) - len(board.rows),
            staff=selectors.staff_users(),
            clients=selectors.filter_clients(),
            priorities=Priority.choices,
            metrics=Metric.choices,
            states=[(state, selectors.STATE_LABELS[state]) for state in selectors.BOARD_STATES],
            **kwargs,
        )

    def _shown(self) -> int:
        """How many rows: the first page, or as many as "Show more" asked for (whole pages, capped)."""
        asked = self.request.GET.get("shown", "")
        pages = -(-int(asked) // selectors.BOARD_PAGE) if asked.isdigit() else 1
        return min(max(pages, 1) * selectors.BOARD_PAGE, selectors.BOARD_MAX_ROWS)
