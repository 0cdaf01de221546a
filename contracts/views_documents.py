"""Staff pages for contract templates and their versions: list, detail, drafts (edit, live preview,
publish), "new draft from this version" and the comparison of two versions.

Writes go through contracts.versions; documents are rendered by contracts.documents only. A published
version is shown read-only; its edit and publish URLs answer with a message (409), never a form.
"""

from __future__ import annotations

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, FormView, ListView, UpdateView
from django.views.generic.detail import SingleObjectMixin

from contracts import documents, versions
from contracts.forms import (
    CompareForm,
    CoverageFormSet,
    PreviewForm,
    TemplateForm,
    VersionForm,
    coverage_initial,
    merge_field_help,
)
from contracts.models import IN_FORCE, ContractTemplate, ContractVersion, TemplateKind, VersionStatus
from tenants.views import StaffRequiredMixin

COVERAGE_PREFIX = "coverage"


class ContractsViewMixin(StaffRequiredMixin):
    permission = "contracts.view"


class ContractsManageMixin(StaffRequiredMixin):
    permission = "contracts.manage"


def put_errors_on(form, error: ValidationError, *, elsewhere: list | None = None) -> None:
    """A service's ValidationError on the form's fields; errors of fields the form lacks (coverage)
    go to ``elsewhere`` when given, else to the form as a whole."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif elsewhere is not None:
            elsewhere.extend(errors)
        else:
            form.add_error(None, errors)


def published_refusal(request, version: ContractVersion, *, action: str):
    """The answer to editing or publishing a published version: what happened and what to do next."""
    return render(
        request,
        "contracts/version_published_notice.html",
        {"version": version, "template": version.template, "action": action},
        status=409,
    )


def _version_rows(template: ContractTemplate):
    return (
        ContractVersion.objects.filter(template=template)
        .select_related("published_by")
        .annotate(
            agreement_count=Count("agreements", distinct=True),
            in_force_count=Count("agreements", filter=Q(agreements__status__in=IN_FORCE), distinct=True),
        )
        .order_by("-number")
    )


# --- Templates ------------------------------------------------------------------------------------


class TemplateListView(ContractsViewMixin, ListView):
    model = ContractTemplate
    template_name = "contracts/template_list.html"
    context_object_name = "templates"

    def get_queryset(self):
        published, drafts = versions.published_versions_of(OuterRef("pk")), versions.drafts_of(OuterRef("pk"))

        def first(of_versions, value):
            return Subquery(of_versions.values(value)[:1])

        return ContractTemplate.objects.annotate(
            current_id=first(published, "pk"),
            current_number=first(published, "number"),
            current_published_at=first(published, "published_at"),
            draft_id=first(drafts, "pk"),
            draft_number=first(drafts, "number"),
            version_count=Count("versions", distinct=True),
            in_force_count=Count(
                "versions__agreements",
                filter=Q(versions__agreements__status__in=IN_FORCE),
                distinct=True,
            ),
        ).order_by("kind", "name")


class TemplateCreateView(ContractsManageMixin, FormView):
    """A new template and its first draft; the author lands in the draft's editor."""

    form_class = TemplateForm
    template_name = "contracts/template_form.html"

    def form_valid(self, form):
        try:
            template = versions.create_template(**form.cleaned_data)
            draft = versions.create_draft(template=template)
        except ValidationError as error:
            put_errors_on(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, f"Template {template} created. Write version 1 below, then publish it."
        )
        return HttpResponseRedirect(reverse("contracts:version_update", args=[draft.pk]))


class TemplateUpdateView(ContractsManageMixin, UpdateView):
    model = ContractTemplate
    form_class = TemplateForm
    template_name = "contracts/template_form.html"

    def form_valid(self, form):
        try:
            self.object = versions.update_template(self.get_object(), **form.cleaned_data)
        except ValidationError as error:
            put_errors_on(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Template {self.object} saved.")
        return HttpResponseRedirect(reverse("contracts:template_detail", args=[self.object.pk]))


class TemplateDetailView(ContractsViewMixin, DetailView):
    model = ContractTemplate
    template_name = "contracts/template_detail.html"
    context_object_name = "template"

    def get_context_data(self, **kwargs):
        rows = list(_version_rows(self.object))
        compare = None
        if len(rows) >= 2:
            compare = CompareForm(template=self.object, initial={"a": rows[1].pk, "b": rows[0].pk})
        return super().get_context_data(
            versions=rows,
            current=versions.current_published_version(self.object),
            draft=next((v for v in rows if v.status == VersionStatus.DRAFT), None),
            compare_form=compare,
            **kwargs,
        )


class TemplateCompareView(ContractsViewMixin, DetailView):
    """Two versions side by side as a diff (``?a=<id>&b=<id>``, from a to b; defaults: the two newest)."""

    model = ContractTemplate
    template_name = "contracts/template_compare.html"
    context_object_name = "template"

    def get_context_data(self, **kwargs):
        newest = list(ContractVersion.objects.filter(template=self.object).order_by("-number")[:2])
        initial = {"a": newest[-1].pk, "b": newest[0].pk} if newest else {}
        bound = "a" in self.request.GET or "b" in self.request.GET
        form = CompareForm(self.request.GET if bound else None, template=self.object, initial=initial)
        diff = None
        if bound and form.is_valid():
            diff = versions.diff_versions(form.cleaned_data["a"], form.cleaned_data["b"])
        elif not bound and len(newest) == 2:
            diff = versions.diff_versions(newest[1], newest[0])
        return super().get_context_data(form=form, diff=diff, version_count=len(newest), **kwargs)


# --- Versions -------------------------------------------------------------------------------------


class VersionCreateView(ContractsManageMixin, SingleObjectMixin, View):
    """POST: a new draft of the template, copied from ``from`` (a version id of this template), else
    from the current published version, else the newest version, else a skeleton."""

    model = ContractTemplate
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        template = self.get_object()
        source_id = request.POST.get("from", "")
        if source_id:
            source = get_object_or_404(
                ContractVersion, pk=source_id if source_id.isdigit() else 0, template=template
            )
        else:
            source = versions.current_published_version(template) or (
                ContractVersion.objects.filter(template=template).order_by("-number").first()
            )
        try:
            draft = versions.create_draft(template=template, copy_from=source)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(reverse("contracts:template_detail", args=[template.pk]))
        where = f" from version {source.number}" if source else ""
        messages.success(request, f"Draft version {draft.number} started{where}.")
        return HttpResponseRedirect(reverse("contracts:version_update", args=[draft.pk]))


def _preview_options(request_data) -> dict:
    """Client, tier and riders for a rendering, from a PreviewForm (a sample client when invalid)."""
    form = PreviewForm(request_data)
    data = form.cleaned_data if form.is_valid() else {}
    return {
        "form": form,
        "client": data.get("client"),
        "tier": data.get("tier", ""),
        "riders": tuple(data.get("riders") or ()),
    }


def _render(version: ContractVersion, options: dict, tenant) -> documents.RenderedDocument:
    return documents.render_version(
        version, client=options["client"], tier=options["tier"], riders=options["riders"], tenant=tenant
    )


class VersionDetailView(ContractsViewMixin, DetailView):
    """A version as clients will read it, for a sample or a chosen client, tier and riders (GET
    parameters; htmx swaps only the document)."""

    model = ContractVersion
    template_name = "contracts/version_detail.html"
    context_object_name = "version"

    def get_queryset(self):
        return ContractVersion.objects.select_related("template", "published_by")

    def get_template_names(self):
        return [f"{self.template_name}#document"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        version = self.object
        bound = any(name in self.request.GET for name in PreviewForm.base_fields)
        options = _preview_options(self.request.GET if bound else None)
        if not bound:
            options["form"] = PreviewForm()
        previous = (
            ContractVersion.objects.filter(template_id=version.template_id, number__lt=version.number)
            .order_by("-number")
            .first()
        )
        return super().get_context_data(
            template=version.template,
            document=_render(version, options, self.request.tenant),
            preview_form=options["form"],
            previous=previous,
            current=versions.current_published_version(version.template),
            coverage_rows=[
                {**rule, "label": documents.coverage_rule_label(rule)} for rule in version.coverage or []
            ],
            problems=versions.publication_problems(version) if not version.is_published else {},
            is_supplement=version.template.kind == TemplateKind.SUPPLEMENT,
            rate_remote=documents.money(version.hourly_rate_remote, self.request.tenant.currency),
            rate_onsite=documents.money(version.hourly_rate_onsite, self.request.tenant.currency),
            **kwargs,
        )


class DraftMixin(SingleObjectMixin):
    model = ContractVersion

    def get_queryset(self):
        return ContractVersion.objects.select_related("template")


class VersionUpdateView(ContractsManageMixin, DraftMixin, View):
    """Edit a draft: text, settings and coverage rules, with a live preview beside the form."""

    template_name = "contracts/version_form.html"

    def forms(self, version, data=None):
        form = VersionForm(data, instance=copy.copy(version))
        coverage = CoverageFormSet(data, prefix=COVERAGE_PREFIX, initial=coverage_initial(version.coverage))
        return form, coverage

    def respond(self, version, form, coverage, coverage_errors=(), status=200):
        return render(
            self.request,
            self.template_name,
            {
                "version": version,
                "template": version.template,
                "form": form,
                "coverage_formset": coverage,
                "coverage_errors": list(coverage_errors),
                "preview_form": PreviewForm(),
                "merge_fields": merge_field_help(),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        if version.is_published:
            return published_refusal(request, version, action="edit")
        return self.respond(version, *self.forms(version))

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        if version.is_published:
            return published_refusal(request, version, action="edit")
        form, coverage = self.forms(version, request.POST)
        coverage_errors: list[str] = []
        if not coverage.is_valid():
            coverage_errors.append("Check the coverage rules marked below.")
        if form.is_valid() and not coverage_errors:
            try:
                versions.update_draft(version, **form.cleaned_data, coverage=coverage.rules())
            except ValidationError as error:
                put_errors_on(form, error, elsewhere=coverage_errors)
            else:
                messages.success(request, f"Draft version {version.number} saved.")
                return HttpResponseRedirect(reverse("contracts:version_detail", args=[version.pk]))
        return self.respond(version, form, coverage, coverage_errors)


class VersionPreviewView(ContractsViewMixin, DraftMixin, View):
    """POST (htmx, from the editor): the document as the unsaved form would make it. Writes nothing."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        options = _preview_options(request.POST)
        problems: list[str] = []
        if not version.is_published:
            form = VersionForm(request.POST, instance=copy.copy(version))
            coverage = CoverageFormSet(
                request.POST, prefix=COVERAGE_PREFIX, initial=coverage_initial(version.coverage)
            )
            if form.is_valid():
                version = form.save(commit=False)  # an unsaved copy: nothing is written
            else:
                for name, errors in form.errors.items():
                    label = form.fields[name].label if name in form.fields else ""
                    problems.extend(f"{label}: {error}" if label else error for error in errors)
                version = copy.copy(version)  # still show the text as typed
                for name in ("title", "terms_markdown", "sla_markdown"):
                    if name in request.POST:
                        setattr(version, name, request.POST[name])
            if coverage.is_valid():
                version.coverage = coverage.rules()
            else:
                problems.append("Some coverage rules are incomplete: the preview shows the saved ones.")
        return render(
            request,
            "contracts/version_preview.html",
            {"document": _render(version, options, request.tenant), "problems": problems},
        )


class VersionPublishView(ContractsManageMixin, DraftMixin, View):
    """GET: what publishing means and whether the draft is ready. POST (with ``confirm``): publish."""

    template_name = "contracts/version_publish.html"

    def respond(self, version, *, error=None, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "version": version,
                "template": version.template,
                "problems": versions.publication_problems(version),
                "error": error,
                "current": versions.current_published_version(version.template),
            },
            status=status,
        )

    def get(self, request, *args, **kwargs):
        version = self.get_object()
        if version.is_published:
            return published_refusal(request, version, action="publish")
        return self.respond(version)

    def post(self, request, *args, **kwargs):
        version = self.get_object()
        if version.is_published:
            return published_refusal(request, version, action="publish")
        if request.POST.get("confirm") != "yes":
            return self.respond(version, error="Tick the box to confirm that this version is final.")
        try:
            published = versions.publish_version(version, by=request.user)
        except ValidationError as error:
            return self.respond(version, error=" ".join(error.messages))
        messages.success(
            request,
            f"Version {published.number} of {published.template} is published. It can no longer be changed.",
        )
        return HttpResponseRedirect(reverse("contracts:version_detail", args=[published.pk]))
