"""The "Import clients" staff pages: upload a CSV, see it read and checked (the preview), import it,
follow a large import's progress (htmx polling) and read its summary. Writes are ``imports.services``;
managers who may add clients (``clients.manage``) may import them."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.actors import actor_label
from imports import progress, services
from imports.checking import first_rows
from imports.forms import RecheckForm, RunForm, UploadForm
from imports.layouts import CLIENT, CONTACT, FIELD_LABELS, LAYOUTS, SITE
from imports.models import ImportJob, ImportStatus
from imports.reading import UnreadableFile
from tenants.views import StaffRequiredMixin

PREVIEW_ROWS = 20
PROBLEMS_SHOWN = 200
TEMPLATE_HEADERS = [
    "client_name", "client_email", "client_phone", "managed_endpoints", "notes",
    "contact_name", "contact_email", "contact_phone", "contact_job_title", "contact_is_primary",
    "contact_can_sign",
    "site_name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "timezone",
    "travel_minutes",
]  # fmt: skip
TEMPLATE_EXAMPLE = [
    "Whitaker Residence", "office@whitaker.example", "+1 914 555 0100", "12", "Gate code 4411",
    "Priya Lindqvist", "priya@whitaker.example", "+1 914 555 0101", "Owner", "yes", "yes",
    "Main residence", "12 Harbor Lane", "", "Rye", "NY", "10580", "US", "America/New_York", "25",
]  # fmt: skip


class ImportMixin(StaffRequiredMixin):
    permission = "clients.manage"
    model = ImportJob  # the object a route's pk names (tests/test_tenant_isolation_urls.py)

    def get_job(self) -> ImportJob:
        return get_object_or_404(ImportJob, pk=self.kwargs["pk"])


class ImportStartView(ImportMixin, TemplateView):
    template_name = "imports/start.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=kwargs.pop("form", None) or UploadForm(),
            recent=ImportJob.objects.defer("csv_text").order_by("-created_at")[:10],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                job, _ = services.upload(
                    upload.read(),
                    file_name=upload.name,
                    layout=form.cleaned_data["layout"],
                    on_existing=form.cleaned_data["on_existing"],
                    created_by=request.user,
                    created_by_label=actor_label(request.user),
                )
            except UnreadableFile as error:
                form.add_error("file", str(error))
            else:
                return HttpResponseRedirect(reverse("imports:job", args=[job.pk]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _cell(row, kind, *names):
    data = {CLIENT: row.client, CONTACT: row.contact or {}, SITE: row.site or {}}[kind]
    return ", ".join(str(data[name]) for name in names if data.get(name) not in (None, ""))


def preview_context(job: ImportJob) -> dict:
    table = services.job_table(job)
    layout = LAYOUTS[job.layout]
    problem_rows = {problem["row"] for problem in job.problems}
    rows = [
        {
            "number": row.number,
            "client": _cell(row, CLIENT, "name"),
            "endpoints": _cell(row, CLIENT, "managed_endpoints"),
            "contact": _cell(row, CONTACT, "full_name"),
            "contact_email": _cell(row, CONTACT, "email"),
            "site": _cell(row, SITE, "address_line1", "city", "region", "postal_code"),
            "has_problem": row.number in problem_rows,
        }
        for row in first_rows(table, layout, limit=PREVIEW_ROWS)
    ]
    mapping = layout.mapping(table.headers)
    columns = [
        {"header": header, "field": FIELD_LABELS[mapping[index]] if index in mapping else None}
        for index, header in enumerate(table.headers)
    ]
    counts = job.counts
    return {
        "rows": rows,
        "columns": columns,
        "more_rows": max(job.total_rows - PREVIEW_ROWS, 0),
        "counts": counts,
        "problems": job.problems[:PROBLEMS_SHOWN],
        "problems_hidden": max(counts.get("errors", 0) - PROBLEMS_SHOWN, 0),
        "recheck_form": RecheckForm(initial={"layout": job.layout, "on_existing": job.on_existing}),
        "layout_label": layout.label,
        "detected_label": LAYOUTS[job.layout_detected].label if job.layout_detected in LAYOUTS else "",
        "runs_in_background": job.total_rows > services.IMPORT_AT_ONCE,
    }


def progress_context(job: ImportJob) -> dict:
    record = progress.current(job.pk) or {"done": 0, "total": job.total_rows}
    return {"done": record["done"], "total": record["total"], "percent": progress.percent(job.pk)}


class ImportJobView(ImportMixin, TemplateView):
    """A job's page: its preview until imported, its progress while importing, its summary after."""

    template_name = "imports/job.html"

    def get_context_data(self, **kwargs):
        job = kwargs.pop("job", None) or self.get_job()
        context = {"job": job, "run_form": kwargs.pop("run_form", None) or RunForm()}
        if job.status == ImportStatus.PREVIEWED:
            context |= preview_context(job)
        elif job.is_active:
            context |= progress_context(job)
        return super().get_context_data(**context, **kwargs)

    def post(self, request, *args, **kwargs):
        """Read the file again in another layout, or with another choice for existing clients."""
        job = self.get_job()
        form = RecheckForm(request.POST)
        if job.status == ImportStatus.PREVIEWED and form.is_valid():
            services.recheck(
                job, layout=form.cleaned_data["layout"], on_existing=form.cleaned_data["on_existing"]
            )
            messages.success(request, f"Read again as {LAYOUTS[job.layout].label}.")
        return HttpResponseRedirect(reverse("imports:job", args=[job.pk]))


class ImportRunView(ImportMixin, View):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        job = self.get_job()
        form = RunForm(request.POST)
        form.is_valid()
        try:
            services.start(job, skip_invalid=form.cleaned_data.get("skip_invalid", False))
        except services.ImportRefused as refused:
            messages.error(
                request,
                f"{refused} Fix the rows listed below and upload the file again, or tick “Import the valid "
                "rows and skip the rest”.",
            )
        else:
            if job.status == ImportStatus.DONE:
                messages.success(request, "Imported.")
            else:
                messages.success(request, "Import started. You can leave this page: it carries on.")
        return HttpResponseRedirect(reverse("imports:job", args=[job.pk]))


class ImportProgressView(ImportMixin, TemplateView):
    """The progress card, polled every 2 s while the import runs; when it ends, the page reloads to
    show the summary."""

    template_name = "imports/job.html#progress"

    def get(self, request, *args, **kwargs):
        job = self.get_job()
        if request.htmx and not job.is_active:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return self.render_to_response(self.get_context_data(job=job, **progress_context(job)))


class ImportTemplateView(ImportMixin, View):
    """Accord's own layout: every column, with one example row."""

    def get(self, request, *args, **kwargs):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="accord-clients-template.csv"'
        writer = csv.writer(response)
        writer.writerow(TEMPLATE_HEADERS)
        writer.writerow(TEMPLATE_EXAMPLE)
        return response
