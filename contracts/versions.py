"""Contract templates and their versions: every write, plus the reads that go with them (the current
published version, the differences between two versions).

A version is a draft until it is published; a published version never changes. The database refuses
it (a pgtrigger on ContractVersion); these services refuse it first, with a message a person can act
on. Each service runs inside the caller's tenant scope.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, QuerySet
from django.utils import timezone

from contracts import documents
from contracts.coverage import validate_rules
from contracts.models import ContractTemplate, ContractVersion, TemplateKind, VersionStatus
from events.services import record_event
from tenants.scope import current_tenant

TEMPLATE_FIELDS = {"name", "kind", "description"}
# What a draft's author may change (status and publication are the services' business).
DRAFT_FIELDS = (
    "title",
    "terms_markdown",
    "sla_markdown",
    "coverage",
    "hourly_rate_remote",
    "hourly_rate_onsite",
    "after_hours_multiplier",
    "billing_terms",
    "term_months",
    "auto_renew",
    "notice_days",
)
MARKDOWN_FIELDS = ("terms_markdown", "sla_markdown")

STARTER = {
    TemplateKind.SERVICE_CONTRACT: {
        "terms_markdown": (
            "This agreement is between {{ tenant_name }} and {{ client_name }}.\n\n"
            "# Scope\n\nDescribe the systems you look after and how clients reach you.\n\n"
            "# What is covered\n\n{{ coverage_table }}\n\n"
            "# Rates\n\nWork that is not covered is billed at {{ hourly_rate_remote }} per hour remotely and "
            "{{ hourly_rate_onsite }} per hour on site.\n"
        ),
        "sla_markdown": "Response times for the {{ tier }} plan:\n\n{{ sla_table }}\n",
        "billing_terms": "Invoiced monthly, due within 15 days.",
        "coverage": [],
    },
    TemplateKind.SUPPLEMENT: {
        "terms_markdown": (
            "This supplement amends the service agreement between {{ tenant_name }} and "
            "{{ client_name }}. Everything else in that agreement stays as it is.\n"
        ),
        "sla_markdown": "{{ sla_table }}\n",
        "billing_terms": "",
        "coverage": [],
    },
}


# Texts a person writes in a version; browsers send them with "\r\n" line endings.
WRITTEN_TEXT_FIELDS = ("terms_markdown", "sla_markdown", "billing_terms")


def only_newlines(text: str) -> str:
    """``text`` with every line ending ("\r\n" from browsers, a lone "\r") as "\n", so that a text saved
    from a browser equals the same text typed anywhere else and a diff shows only real changes."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


# --- Templates ------------------------------------------------------------------------------------


def _save_template(template: ContractTemplate) -> ContractTemplate:
    template.name = template.name.strip()
    template.description = only_newlines(template.description)
    template.full_clean(exclude=["tenant"], validate_constraints=False, validate_unique=False)
    taken = ContractTemplate.objects.filter(name__iexact=template.name).exclude(pk=template.pk).exists()
    if taken:
        raise ValidationError({"name": "Another contract template already has this name."})
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as error:  # lost a race with another create
        if "contract_template_name_unique_per_tenant" in str(error):
            raise ValidationError({"name": "Another contract template already has this name."}) from error
        raise
    return template


@transaction.atomic
def create_template(
    *, name: str, kind: str = TemplateKind.SERVICE_CONTRACT, description: str = ""
) -> ContractTemplate:
    """A new template (no versions yet; ``create_draft`` starts the first). Names are unique per
    tenant, case-insensitively."""
    return _save_template(
        ContractTemplate(tenant=current_tenant(), name=name, kind=kind, description=description)
    )


@transaction.atomic
def update_template(template: ContractTemplate, **changes) -> ContractTemplate:
    """Rename or redescribe a template. Its versions (and so every signed document) are unaffected; the
    kind, which shapes the document, is fixed once a version is published."""
    unknown = set(changes) - TEMPLATE_FIELDS
    if unknown:
        raise TypeError(f"Unknown fields for a contract template: {', '.join(sorted(unknown))}")
    if "kind" in changes and changes["kind"] != template.kind and current_published_version(template):
        # The kind shapes the rendered document: a published version must keep rendering the same.
        raise ValidationError({"kind": "The kind cannot change once a version is published."})
    for name, value in changes.items():
        setattr(template, name, value)
    return _save_template(template)


# --- Drafts ---------------------------------------------------------------------------------------


def _check_draft(version: ContractVersion) -> None:
    """What a draft must satisfy to be saved at all: known merge fields, well-formed coverage rules
    and valid field values. (Publishing asks for more: see ``publication_problems``.)"""
    errors: dict[str, list[str]] = {}
    for name in WRITTEN_TEXT_FIELDS:
        setattr(version, name, only_newlines(getattr(version, name)))
    for name in MARKDOWN_FIELDS:
        try:
            documents.validate_merge_fields(getattr(version, name), field=name)
        except ValidationError as error:
            errors.setdefault(name, []).extend(error.message_dict[name])
    try:
        version.coverage = validate_rules(version.coverage)
    except ValueError as error:
        errors.setdefault("coverage", []).append(str(error))
    try:
        version.full_clean(
            exclude=["tenant", "template", "published_by"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_draft(
    *, template: ContractTemplate, copy_from: ContractVersion | None = None, **fields
) -> ContractVersion:
    """A new draft of ``template``, numbered after its highest version (the template row is locked, so
    two drafts never get the same number). Its content is copied from ``copy_from`` (a version of the
    same template, published or not) or else starts from a short skeleton; ``fields`` override either.
    Refuses unknown merge fields and malformed coverage rules. No event: drafts are private."""
    unknown = set(fields) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields for a draft: {', '.join(sorted(unknown))}")
    template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
    if copy_from is not None and copy_from.template_id != template.pk:
        raise ValidationError("A draft can only be copied from a version of the same template.")
    if copy_from is not None:
        content = {name: getattr(copy_from, name) for name in DRAFT_FIELDS}
        content["coverage"] = [dict(rule) for rule in copy_from.coverage or []]
    else:
        content = {"title": template.name, **STARTER[TemplateKind(template.kind)]}
        content["coverage"] = list(content["coverage"])
    content.update(fields)
    highest = ContractVersion.objects.filter(template=template).aggregate(n=Max("number"))["n"] or 0
    version = ContractVersion(
        tenant_id=template.tenant_id,
        template=template,
        number=highest + 1,
        status=VersionStatus.DRAFT,
        **content,
    )
    _check_draft(version)
    version.save()
    return version


def _refuse_published(version: ContractVersion) -> None:
    if version.is_published:
        raise ValidationError(
            f"Version {version.number} of “{version.template}” is published and can no longer be changed. "
            "Start a new draft from it instead.",
            code="published",
        )


@transaction.atomic
def update_draft(version: ContractVersion, **changes) -> ContractVersion:
    """Change a draft. A published version is refused with a ValidationError (code ``published``)
    before any write, so the database trigger is the backstop, not the message. The row is locked and
    re-read, so a draft published meanwhile is refused too. Returns the saved draft."""
    unknown = set(changes) - set(DRAFT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown fields for a draft: {', '.join(sorted(unknown))}")
    _refuse_published(version)
    draft = ContractVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    _refuse_published(draft)
    for name, value in changes.items():
        setattr(draft, name, value)
    _check_draft(draft)
    draft.save(update_fields=list(DRAFT_FIELDS))
    return draft


# --- Publishing -----------------------------------------------------------------------------------


def some_work_is_billable(rules: Sequence[Mapping]) -> bool:
    """Whether any piece of work would be billable under these rules (the first match decides; work no
    rule matches is billable)."""
    for rule in rules:
        if not rule.get("covered"):
            return True
        if not rule.get("category") and not rule.get("work_type"):
            return False  # a covered catch-all: nothing gets past it
    return True


def publication_problems(version: ContractVersion) -> dict[str, list[str]]:
    """What stands between a draft and publication, by field ({} when it can be published)."""
    problems: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        problems.setdefault(name, []).append(message)

    if not version.title.strip():
        add("title", "Give the document a title.")
    if not version.terms_markdown.strip():
        add("terms_markdown", "Write the terms of service.")
    for name in MARKDOWN_FIELDS:
        try:
            documents.validate_merge_fields(getattr(version, name))
        except ValidationError as error:
            add(name, error.messages[0])
    try:
        rules = validate_rules(version.coverage)
    except ValueError as error:
        add("coverage", str(error))
        rules = []
    # A supplement amends a service contract whose rates still apply: its own rates are optional.
    is_contract = version.template.kind == TemplateKind.SERVICE_CONTRACT
    if is_contract and some_work_is_billable(rules):
        for name, where in (("hourly_rate_remote", "remote"), ("hourly_rate_onsite", "on-site")):
            if Decimal(getattr(version, name) or 0) <= 0:
                add(name, f"Set the {where} hourly rate: some work is billable under this agreement.")
    if version.after_hours_multiplier is not None and version.after_hours_multiplier < 1:
        add("after_hours_multiplier", "The after-hours multiplier cannot lower the rates (use 1 or more).")
    return problems


@transaction.atomic
def publish_version(version: ContractVersion, *, by=None) -> ContractVersion:
    """Publish a draft: from now on it never changes (the database enforces it). Validates merge fields,
    coverage rules and rates first (``publication_problems``), sets ``published_at`` / ``published_by``
    and records a ``contract_version.published`` outbox event in the same transaction. Publishing a
    published version is refused."""
    draft = ContractVersion.objects.select_for_update().select_related("template").get(pk=version.pk)
    if draft.is_published:
        raise ValidationError(f"Version {draft.number} of “{draft.template}” is already published.")
    problems = publication_problems(draft)
    if problems:
        raise ValidationError(problems)
    draft.status = VersionStatus.PUBLISHED
    draft.published_at = timezone.now()
    draft.published_by = by
    draft.save(update_fields=["status", "published_at", "published_by"])
    record_event(
        "contract_version.published",
        version_id=draft.pk,
        template_id=draft.template_id,
        template=draft.template.name,
        kind=draft.template.kind,
        number=draft.number,
        title=draft.title,
        published_at=draft.published_at,
        published_by=getattr(by, "email", ""),
    )
    return draft


# --- Reads ----------------------------------------------------------------------------------------


def published_versions() -> QuerySet[ContractVersion]:
    """Every published version, with its template: what agreements and campaigns may be made on."""
    return ContractVersion.objects.filter(status=VersionStatus.PUBLISHED).select_related("template")


def published_versions_of(template: ContractTemplate | OuterRef) -> QuerySet[ContractVersion]:
    """A template's published versions, the current one (the highest number) first. ``template`` may be
    ``OuterRef("pk")`` in a subquery over templates."""
    return published_versions().filter(template=template).order_by("-number")


def current_published_version(template: ContractTemplate) -> ContractVersion | None:
    """The version clients are asked to sign now: the highest-numbered published one."""
    return published_versions_of(template).first()


def newest_published_service_contract() -> ContractVersion | None:
    """The service contract published last, whichever its template: what new agreements and campaigns
    offer first."""
    return (
        published_versions()
        .filter(template__kind=TemplateKind.SERVICE_CONTRACT)
        .order_by("-published_at", "-number")
        .first()
    )


def drafts_of(template: ContractTemplate | OuterRef) -> QuerySet[ContractVersion]:
    """A template's drafts, the newest first (``template`` may be ``OuterRef("pk")``)."""
    return (
        ContractVersion.objects.filter(template=template, status=VersionStatus.DRAFT)
        .select_related("template")
        .order_by("-number")
    )


def latest_draft(template: ContractTemplate) -> ContractVersion | None:
    return drafts_of(template).first()


# --- Differences between two versions ------------------------------------------------------------

TEXT_FIELDS = (
    ("terms_markdown", "Terms of service"),
    ("sla_markdown", "Service level agreement"),
    ("coverage", "What is covered"),
    ("billing_terms", "Billing terms"),
)
SETTING_FIELDS = (
    ("title", "Title"),
    ("hourly_rate_remote", "Hourly rate, remote"),
    ("hourly_rate_onsite", "Hourly rate, on-site"),
    ("after_hours_multiplier", "After-hours multiplier"),
    ("term_months", "Term (months)"),
    ("auto_renew", "Renews automatically"),
    ("notice_days", "Notice to stop renewal (days)"),
)


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    kind: str  # "text": whole texts, shown as a diff of lines; "setting": a before/after value
    before: str = ""
    after: str = ""
    added: int = 0  # lines, for a text
    removed: int = 0


@dataclass(frozen=True)
class VersionDiff:
    old: ContractVersion
    new: ContractVersion
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def text_changes(self) -> list[FieldChange]:
        return [change for change in self.changes if change.kind == "text"]

    @property
    def setting_changes(self) -> list[FieldChange]:
        return [change for change in self.changes if change.kind == "setting"]


def _coverage_lines(rules) -> list[str]:
    lines = []
    for number, rule in enumerate(rules or [], start=1):
        if not isinstance(rule, Mapping):
            continue
        verdict = "covered" if rule.get("covered") else "billable"
        note = f" ({rule['note']})" if rule.get("note") else ""
        lines.append(f"{number}. {documents.coverage_rule_label(rule)}: {verdict}{note}")
    return lines


def _setting_text(value) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def line_matcher(old_text: str, new_text: str) -> difflib.SequenceMatcher:
    """The lines of two texts matched up: what the counts of a change and the page's diff both read."""
    old_lines, new_lines = (old_text or "").splitlines(), (new_text or "").splitlines()
    return difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)


def _lines_added_and_removed(old_text: str, new_text: str) -> tuple[int, int]:
    added = removed = 0
    for tag, i1, i2, j1, j2 in line_matcher(old_text, new_text).get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def diff_versions(a: ContractVersion, b: ContractVersion) -> VersionDiff:
    """What changed from version ``a`` to version ``b``: each changed text field (Markdown, coverage
    rules as lines, billing terms) with the lines added and removed, and before/after for each changed
    setting. Unchanged fields are left out. The page draws the diff (contracts.templatetags.version_diff)."""
    changes: list[FieldChange] = []
    for name, label in SETTING_FIELDS:
        model_field = ContractVersion._meta.get_field(name)
        before, after = model_field.to_python(getattr(a, name)), model_field.to_python(getattr(b, name))
        if before == after:
            continue
        before_text, after_text = _setting_text(before), _setting_text(after)
        changes.append(
            FieldChange(
                name=name,
                label=label,
                kind="setting",
                before=before_text,
                after=after_text,
            )
        )
    for name, label in TEXT_FIELDS:
        if name == "coverage":
            before, after = "\n".join(_coverage_lines(a.coverage)), "\n".join(_coverage_lines(b.coverage))
        else:
            # Line endings are not a change (versions published before saving normalised them keep "\r\n").
            before, after = only_newlines(getattr(a, name)), only_newlines(getattr(b, name))
        if before == after:
            continue
        added, removed = _lines_added_and_removed(before, after)
        changes.append(
            FieldChange(
                name=name, label=label, kind="text", before=before, after=after, added=added, removed=removed
            )
        )
    return VersionDiff(old=a, new=b, changes=changes)
