"""Staff pages of the SLA engine: calendars, policies and their targets, the priority matrix, the issue
catalog, and a "what would the deadline be?" preview. Writes go through ``services``, the answer to
"which targets apply" through ``selectors.effective_sla``."""

from datetime import UTC
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from service_levels import selectors, services
from service_levels.durations import duration_words, minutes_words
from service_levels.forms import (
    WEEKDAYS,
    CalendarCreateForm,
    CalendarForm,
    ClosureForm,
    IssueTypeForm,
    PolicyForm,
    PreviewForm,
    PriorityMatrixForm,
    TargetsForm,
    format_day_hours,
)
from service_levels.models import (
    PAUSABLE_STATUSES,
    BusinessCalendar,
    ClosureDay,
    IssueCategory,
    IssueType,
    Level,
    Metric,
    PolicyKind,
    Priority,
    SlaPolicy,
    SlaTarget,
)
from tenants.forms import add_service_errors
from tenants.localtime import tenant_zone
from tenants.views import StaffRequiredMixin

KIND_SECTIONS = [
    (PolicyKind.BASIC_TRIAGE, "Basic triage", "Clients without a signed service contract."),
    (PolicyKind.STANDARD, "Standard contract", "Signed service contract without a paid tier."),
    (PolicyKind.TIER, "Membership tiers", "Chosen by the client's membership tier key."),
    (PolicyKind.RIDER, "Riders", "Add-ons that may only tighten the targets of the policy underneath."),
]


class SlaViewMixin(StaffRequiredMixin):
    """Everyone on the staff may look (``sla.view``); ``section`` picks the tab."""

    permission = "sla.view"
    section = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(section=self.section, **kwargs)


class SlaManageMixin(SlaViewMixin):
    permission = "sla.manage"


class ManageOnPostMixin:
    """Pages anyone may look at and managers may also save from."""

    @property
    def permission(self):
        return "sla.view" if self.request.method in ("GET", "HEAD") else "sla.manage"


# --- Calendars -----------------------------------------------------------------------------------


class CalendarListView(SlaViewMixin, ListView):
    section = "calendars"
    template_name = "service_levels/calendar_list.html"
    context_object_name = "calendars"

    def get_queryset(self):
        return BusinessCalendar.objects.annotate(closure_count=Count("closures"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for calendar in context["calendars"]:
            calendar.hours_label = duration_words(calendar.open_hours_per_week(), days=False)
            calendar.open_days = sum(1 for day in range(7) if calendar.weekly_hours.get(str(day)))
        return context


class CalendarCreateView(SlaManageMixin, FormView):
    section = "calendars"
    form_class = CalendarCreateForm
    template_name = "service_levels/calendar_create.html"

    def get_initial(self):
        return {"timezone": self.request.tenant.timezone, "holiday_country": self.request.tenant.country}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            calendar = services.create_calendar(
                name=data["name"],
                timezone=data["timezone"],
                weekly_hours=services.PRESETS[data["preset"]],
                holiday_country=data["holiday_country"],
                holiday_subdivision=data["holiday_subdivision"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Calendar {calendar} added. Adjust its hours below if needed.")
        return HttpResponseRedirect(reverse("service_levels:calendar_update", args=[calendar.pk]))


def week_grid(calendar: BusinessCalendar) -> list[dict]:
    """One row per weekday with its hours as text and 24 hourly cells: open, partly open or closed."""
    rows = []
    intervals = calendar.weekly_intervals()
    # Minutes of the week that are open, overnight pairs spilling into the next day.
    open_minutes = [False] * (7 * 24 * 60)
    for day, pairs in intervals.items():
        for opens, closes in pairs:
            start = day * 1440 + opens.hour * 60 + opens.minute
            end = day * 1440 + closes.hour * 60 + closes.minute
            if end <= start:
                end += 1440
            for minute in range(start, end):
                open_minutes[minute % len(open_minutes)] = True
    for day, weekday in enumerate(WEEKDAYS):
        cells = []
        for hour in range(24):
            share = sum(open_minutes[day * 1440 + hour * 60 : day * 1440 + hour * 60 + 60])
            cells.append("open" if share == 60 else "part" if share else "closed")
        minutes = sum(open_minutes[day * 1440 : (day + 1) * 1440])
        rows.append(
            {
                "weekday": weekday,
                "hours": format_day_hours(calendar.weekly_hours.get(str(day))),
                "cells": cells,
                "total": minutes_words(minutes) if minutes else "",
            }
        )
    return rows


class CalendarDetailView(SlaViewMixin, SingleObjectMixin, TemplateView):
    model = BusinessCalendar
    section = "calendars"
    template_name = "service_levels/calendar_detail.html"
    context_object_name = "calendar"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        calendar = self.object
        # The calendar's own day, not the tenant's: its holidays and closures are its local dates.
        today = timezone.now().astimezone(ZoneInfo(calendar.timezone)).date()
        kwargs.setdefault("closure_form", ClosureForm())
        return super().get_context_data(
            week=week_grid(calendar),
            hours=range(24),
            hours_label=duration_words(calendar.open_hours_per_week(), days=False),
            days_off=selectors.upcoming_days_off(calendar, after=today, limit=12),
            closures=calendar.closures.filter(date__gte=today),
            past_closures=calendar.closures.filter(date__lt=today).count(),
            today=today,
            **kwargs,
        )


class CalendarUpdateView(SlaManageMixin, SingleObjectMixin, FormView):
    http_method_names = ["get", "post"]
    model = BusinessCalendar
    section = "calendars"
    form_class = CalendarForm
    template_name = "service_levels/calendar_form.html"
    context_object_name = "calendar"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "calendar": self.object}

    def form_valid(self, form):
        try:
            services.update_calendar(self.object, **form.service_changes())
        except ValidationError as error:
            if hasattr(error, "error_dict"):  # the engine's verdict on the hours goes on the weekday rows
                for engine_error in error.error_dict.pop("weekly_hours", []):
                    form.add_engine_error(" ".join(engine_error.messages))
            add_service_errors(form, error)
            self.object.refresh_from_db()  # the service changed it in memory only
            return self.form_invalid(form)
        messages.success(self.request, f"Calendar {self.object} saved.")
        return HttpResponseRedirect(reverse("service_levels:calendar_detail", args=[self.object.pk]))


class ClosureCreateView(SlaManageMixin, SingleObjectMixin, View):
    """POST a day off on the calendar in the URL; errors are shown on the calendar's page."""

    model = BusinessCalendar
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = ClosureForm(request.POST)
        if form.is_valid():
            closure = services.add_closure(
                calendar=self.object, day=form.cleaned_data["date"], reason=form.cleaned_data["reason"]
            )
            messages.success(request, f"Closed on {closure.date:%a %-d %b %Y}. The SLA clock stops that day.")
            return HttpResponseRedirect(reverse("service_levels:calendar_detail", args=[self.object.pk]))
        view = CalendarDetailView()
        view.setup(request, **self.kwargs)
        view.object = self.object
        return view.render_to_response(view.get_context_data(closure_form=form))


class ClosureRemoveView(SlaManageMixin, SingleObjectMixin, View):
    model = ClosureDay
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        closure = self.get_object()
        calendar_pk = closure.calendar_id
        services.remove_closure(closure)
        messages.success(request, f"{closure.date:%a %-d %b %Y} is a working day again.")
        return HttpResponseRedirect(reverse("service_levels:calendar_detail", args=[calendar_pk]))


class CalendarDeleteView(SlaManageMixin, SingleObjectMixin, View):
    model = BusinessCalendar
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        calendar = self.get_object()
        try:
            services.delete_calendar(calendar)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(reverse("service_levels:calendar_detail", args=[calendar.pk]))
        messages.success(request, f"Calendar {calendar} deleted.")
        return HttpResponseRedirect(reverse("service_levels:calendar_list"))


# --- SLA policies --------------------------------------------------------------------------------


def targets_summary(policy: SlaPolicy) -> list[dict]:
    """Rows P1-P4 of "duration · calendar" per metric, from prefetched targets."""
    by_cell = {(t.priority, t.metric): t for t in policy.targets.all()}
    return [
        {
            "priority": priority,
            "cells": [
                {
                    "duration": minutes_words(target.minutes),
                    "calendar": target.calendar.name,
                }
                if (target := by_cell.get((priority.value, metric.value)))
                else None
                for metric in Metric
            ],
        }
        for priority in Priority
    ]


class PolicyListView(SlaViewMixin, TemplateView):
    section = "policies"
    template_name = "service_levels/policy_list.html"

    def get_context_data(self, **kwargs):
        policies = SlaPolicy.objects.prefetch_related(
            Prefetch("targets", queryset=SlaTarget.objects.select_related("calendar"))
        ).order_by("-is_active", "name")
        statuses = dict(PAUSABLE_STATUSES)
        for policy in policies:
            policy.summary = targets_summary(policy)
            policy.pause_labels = [statuses.get(status, status).lower() for status in policy.pause_statuses]
        sections = [
            {
                "kind": kind,
                "title": title,
                "help": help_text,
                "policies": [p for p in policies if p.kind == kind],
                # usually one policy each: basic triage and standard sit side by side
                "half": kind in (PolicyKind.BASIC_TRIAGE, PolicyKind.STANDARD),
            }
            for kind, title, help_text in KIND_SECTIONS
        ]
        return super().get_context_data(
            sections=sections, metrics=list(Metric), policy_count=len(policies), **kwargs
        )


class PolicyFormView(SlaManageMixin, TemplateView):
    """Create or edit a policy and its targets grid in one form; saved together or not at all."""

    section = "policies"
    template_name = "service_levels/policy_form.html"
    policy = None

    def get_forms(self):
        data = self.request.POST if self.request.method == "POST" else None
        return (
            PolicyForm(data, policy=self.policy),
            TargetsForm(data, policy=self.policy),
        )

    def get(self, request, *args, **kwargs):
        form, targets_form = self.get_forms()
        return self.render_to_response(self.get_context_data(form=form, targets_form=targets_form))

    def post(self, request, *args, **kwargs):
        form, targets_form = self.get_forms()
        if form.is_valid() and targets_form.is_valid():
            try:
                with transaction.atomic():
                    policy = self.save(form)
                    services.set_targets(policy, targets_form.targets())
            except ValidationError as error:
                # Tiers and riders are told apart by key; the other kinds by kind alone.
                key_is_kind = form.cleaned_data["kind"] in (PolicyKind.BASIC_TRIAGE, PolicyKind.STANDARD)
                add_service_errors(form, error, {"key": "kind"} if key_is_kind else None)
                if self.policy is not None:
                    self.policy.refresh_from_db()  # the service changed it in memory only
            else:
                messages.success(request, f"Policy {policy} saved.")
                return HttpResponseRedirect(reverse("service_levels:policy_list") + f"#policy-{policy.pk}")
        return self.render_to_response(self.get_context_data(form=form, targets_form=targets_form))

    def save(self, form):
        return services.create_policy(**form.service_fields())

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            policy=self.policy,
            metrics=list(Metric),
            target_rows=[(Priority(p), cells) for p, cells in kwargs["targets_form"].rows()],
            has_calendars=BusinessCalendar.objects.exists(),
            **kwargs,
        )


class PolicyCreateView(PolicyFormView):
    pass


class PolicyUpdateView(PolicyFormView):
    model = SlaPolicy

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.policy = get_object_or_404(SlaPolicy, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def save(self, form):
        return services.update_policy(self.policy, **form.service_fields())


# --- Priority matrix -----------------------------------------------------------------------------


class PriorityMatrixView(ManageOnPostMixin, SlaViewMixin, FormView):
    section = "matrix"
    form_class = PriorityMatrixForm
    template_name = "service_levels/priority_matrix.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "matrix": selectors.priority_matrix()}

    def form_valid(self, form):
        current = selectors.priority_matrix()
        changed = 0
        with transaction.atomic():
            for (impact, urgency), priority in form.cells().items():
                if current[(impact, urgency)] != priority:
                    services.set_priority(impact=impact, urgency=urgency, priority=priority)
                    changed += 1
        messages.success(
            self.request,
            f"Priority matrix saved: {changed} cell{'s' if changed != 1 else ''} changed."
            if changed
            else "Nothing changed.",
        )
        return HttpResponseRedirect(reverse("service_levels:priority_matrix"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, matrix = context["form"], selectors.priority_matrix()
        context["rows"] = [
            {
                "impact": impact,
                "cells": [
                    {
                        "urgency": urgency,
                        "field": form[form.cell_name(impact, urgency)],
                        "priority": Priority(matrix[(impact.value, urgency.value)]),
                    }
                    for urgency in Level
                ],
            }
            for impact in Level
        ]
        context["levels"] = list(Level)
        context["legend"] = list(Priority)
        return context


# --- Issue catalog -------------------------------------------------------------------------------


class IssueTypeListView(SlaViewMixin, TemplateView):
    section = "catalog"
    template_name = "service_levels/issue_type_list.html"

    def get_context_data(self, **kwargs):
        show_inactive = self.request.GET.get("inactive") == "1"
        issue_types = IssueType.objects.all() if show_inactive else selectors.active_issue_types()
        issue_types = list(issue_types.order_by("category", "-is_active", "name"))
        for issue_type in issue_types:
            issue_type.turnaround = minutes_words(issue_type.expected_turnaround_minutes)
        groups = [
            (category, [t for t in issue_types if t.category == category]) for category in IssueCategory
        ]
        return super().get_context_data(
            groups=groups,
            total=len(issue_types),
            inactive_count=IssueType.objects.filter(is_active=False).count(),
            show_inactive=show_inactive,
            **kwargs,
        )


class IssueTypeFormView(SlaManageMixin, FormView):
    http_method_names = ["get", "post"]
    section = "catalog"
    form_class = IssueTypeForm
    template_name = "service_levels/issue_type_form.html"
    issue_type = None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "issue_type": self.issue_type}

    def form_valid(self, form):
        data = {**form.cleaned_data}
        try:
            issue_type = self.save(data)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Issue type “{issue_type}” saved.")
        return HttpResponseRedirect(
            reverse("service_levels:issue_type_list") + f"#issue-type-{issue_type.pk}"
        )

    def save(self, data):
        return services.create_issue_type(**data)

    def get_context_data(self, **kwargs):
        return super().get_context_data(issue_type=self.issue_type, **kwargs)


class IssueTypeCreateView(IssueTypeFormView):
    pass


class IssueTypeUpdateView(IssueTypeFormView):
    model = IssueType

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and getattr(request, "membership", None):
            self.issue_type = get_object_or_404(IssueType, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def save(self, data):
        return services.update_issue_type(self.issue_type, **data)


class IssueTypeActiveView(SlaManageMixin, SingleObjectMixin, View):
    """POST action=deactivate|reactivate. Issue types are never deleted: tickets keep pointing at them."""

    model = IssueType
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        issue_type = self.get_object()
        active = request.POST.get("action") == "reactivate"
        try:
            services.update_issue_type(issue_type, is_active=active)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                f"“{issue_type}” is {'back in' if active else 'no longer offered in'} the catalog.",
            )
        return HttpResponseRedirect(
            reverse("service_levels:issue_type_list") + ("" if active else "?inactive=1")
        )


# --- "What would the deadline be?" ----------------------------------------------------------------


class PreviewView(SlaViewMixin, TemplateView):
    """A GET form (bookmarkable); htmx swaps only the result."""

    section = "preview"
    template_name = "service_levels/preview.html"

    def get_template_names(self):
        return [f"{self.template_name}#result"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        zone = tenant_zone(self.request.tenant)
        now = timezone.now().astimezone(zone).replace(second=0, microsecond=0)
        bound = any(name in self.request.GET for name in PreviewForm.base_fields)
        form = PreviewForm(
            self.request.GET if bound else None, initial={"start": now.strftime("%Y-%m-%dT%H:%M")}
        )
        form.fields["start"].help_text = f"Wall time in {zone.key}. Blank means now."
        result = None
        if bound:
            with timezone.override(zone):  # a typed start is wall time in the tenant's zone
                valid = form.is_valid()
            if valid:
                result = self.answer(form.cleaned_data, start=form.cleaned_data["start"] or now, zone=zone)
        return super().get_context_data(form=form, result=result, zone=zone, **kwargs)

    def answer(self, data, *, start, zone):
        try:
            if data["what_if"]:
                effective = selectors.effective_sla(
                    client=data["client"],
                    priority=data["priority"] or None,
                    issue_type=data["issue_type"],
                    has_signed_contract=data["has_signed_contract"],
                    tier=data["tier"] or None,
                    riders=data["riders"],
                )
            else:  # what the client's agreement says
                effective = selectors.effective_sla_from_agreement(
                    client=data["client"], priority=data["priority"] or None, issue_type=data["issue_type"]
                )
        except ValueError as error:
            return {"error": str(error)}
        rows = []
        for metric in Metric:
            target = effective.targets.get(metric.value)
            if target is None:
                rows.append({"metric": metric, "reason": effective.without_target.get(metric.value, "")})
                continue
            duration = duration_words(target.duration, days=False)
            try:
                due = target.due_at(start)
            except ValueError as error:  # e.g. a calendar that is never open
                rows.append({"metric": metric, "target": target, "duration": duration, "error": str(error)})
                continue
            rows.append(
                {
                    "metric": metric,
                    "target": target,
                    "duration": duration,
                    "due": due.astimezone(zone),
                    "due_utc": due.astimezone(UTC),
                    "wall_clock": duration_words(due.astimezone(UTC) - start.astimezone(UTC)),
                }
            )
        return {
            "effective": effective,
            "priority": Priority(effective.priority),
            "start": start.astimezone(zone),
            "rows": rows,
            "client": data["client"],
            "pause_labels": [dict(PAUSABLE_STATUSES)[s].lower() for s in effective.pause_statuses],
        }
