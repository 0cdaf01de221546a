"""The one place that renders contract documents: merge fields, Markdown, sanitising, the SLA and
coverage tables, the full document (on screen, in the portal and in the PDF) and its SHA-256.

User text is never run through Django's template engine, and no user text can imitate a merge field:

- text values (``{{ client_name }}``, ``{{ tier }}``, …) are substituted on Markdown's tree, by an inline
  processor, as text nodes that nothing parses again: a client called ``<b>Smith & *Sons*</b>``, or one
  called ``{{ coverage_table }}``, is printed as typed;
- the tables are HTML that Accord builds itself (from templates with auto-escaping) and go in after the
  author's Markdown has been sanitised with nh3, through a placeholder that carries a random nonce drawn
  for each rendering (``secrets.token_hex``). Author and client text is fixed before the nonce is drawn,
  so it cannot contain it: text that looks like a placeholder is printed as typed. The nonce never
  reaches the output, so renderings stay byte-for-byte repeatable.

Rendering is deterministic: the same version, client, tier, riders, tenant, SLA configuration and
``today`` give byte-for-byte the same HTML, so ``document_sha256`` identifies exactly what a signer saw.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import SafeData, SafeString, mark_safe
from markdown.extensions import Extension
from markdown.extensions.toc import slugify
from markdown.inlinepatterns import InlineProcessor
from markdown.util import AtomicString

from contracts.coverage import AREAS, CATEGORIES, WorkType
from contracts.models import ContractVersion, TemplateKind
from tenants.currency import CURRENCY_SYMBOLS, money  # noqa: F401  (money is used here and re-exported)
from tenants.localtime import tenant_localtime, tenant_today

# name -> what it becomes (shown to authors next to the editor and in validation errors)
MERGE_FIELDS: dict[str, str] = {
    "client_name": "The client's name",
    "tenant_name": "Your company's name",
    "tier": "The client's membership tier (or “Standard”)",
    "term_months": "Length of the term in months",
    "hourly_rate_remote": "Hourly rate for remote work that is not covered",
    "hourly_rate_onsite": "Hourly rate for on-site work that is not covered",
    "notice_days": "Days of notice needed to stop auto-renewal",
    "sla_table": "Table of response, on-site and resolution targets per priority",
    "coverage_table": "Table of what is covered and what is billable",
    "today": "The date of the document",
}
# Anything between double braces is meant as a merge field; the name is checked separately, so a typo
# like {{ client name }} is reported rather than printed.
_MERGE_FIELD = re.compile(r"\{\{\s*(.*?)\s*\}\}")
# Placeholders for HTML fields survive Markdown and nh3 untouched (letters and digits only); the nonce is
# drawn for each rendering, so no text typed before it can match.
_PLACEHOLDER = "accordmergefield{nonce}n{index}x"
_PLACEHOLDER_PATTERN = r"(<p>)?accordmergefield{nonce}n(\d+)x(</p>)?"
# Python-Markdown marks its own placeholders with STX/ETX and removes them from the source it reads;
# they are removed from values too, so a value cannot name one of Markdown's stashed fragments.
_MARKDOWN_MARKERS = str.maketrans("", "", "\x02\x03")

SAMPLE_CLIENT_NAME = "[Client name]"
_PRIORITIES = ("P1", "P2", "P3", "P4")

# What author Markdown may produce. Headings keep their ids (the table of contents links to them) but
# only ids Accord generated (with a section prefix), so a heading cannot clobber an id of the page.
ALLOWED_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code",
    "ul", "ol", "li", "dl", "dt", "dd", "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup",
    "abbr", "span", "a", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "title"},
    "abbr": {"title"},
    "ol": {"start"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "td": {"align", "colspan", "rowspan"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
ID_PREFIXES = ("doc-", "terms-", "sla-", "md-")
# Presentation classes set by Accord, not by authors: the author's headings sit under the document's
# section headings (h2), and their tables look like ours.
SET_CLASSES = {
    "h1": {"class": "h4"}, "h2": {"class": "h4"}, "h3": {"class": "h5"}, "h4": {"class": "h6"},
    "h5": {"class": "h6"}, "h6": {"class": "h6"}, "table": {"class": "table table-sm contract-table"},
}  # fmt: skip


def _keep_generated_ids(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "id" and not value.startswith(ID_PREFIXES):
        return None
    return value


def sanitize_html(fragment: str) -> str:
    """Author HTML made safe: no scripts, event handlers, styles, forms or foreign URL schemes."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_generated_ids,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        set_tag_attribute_values=SET_CLASSES,
        strip_comments=True,
    )


# --- Merge fields ---------------------------------------------------------------------------------


def merge_fields_in(text: str) -> list[str]:
    """Every merge field named in ``text``, in order of first use (known or not)."""
    seen: dict[str, None] = {}
    for match in _MERGE_FIELD.finditer(text or ""):
        seen.setdefault(match.group(1), None)
    return list(seen)


def unknown_merge_fields(text: str) -> list[str]:
    return [name for name in merge_fields_in(text) if name not in MERGE_FIELDS]


def validate_merge_fields(text: str, *, field: str | None = None) -> None:
    """ValidationError naming each unknown field and listing the known ones."""
    unknown = unknown_merge_fields(text)
    if not unknown:
        return
    names = ", ".join(f"{{{{ {name} }}}}" for name in unknown)
    known = ", ".join(f"{{{{ {name} }}}}" for name in MERGE_FIELDS)
    message = f"Unknown merge field{'s' if len(unknown) > 1 else ''} {names}. Known fields: {known}."
    raise ValidationError({field: message} if field else message, code="unknown_merge_field")


class _TextMergeFields(InlineProcessor):
    """``{{ name }}`` of a text value, replaced by the value as a text node (escaped when serialised,
    never parsed as Markdown, HTML or a merge field). Fields that are not in the context stay as typed."""

    def __init__(self, context: Mapping[str, object]):
        super().__init__(_MERGE_FIELD.pattern)
        self.context = context

    def handleMatch(self, m: re.Match, data: str):
        name = m.group(1)
        if name not in MERGE_FIELDS or name not in self.context or isinstance(self.context[name], SafeData):
            return None, None, None  # left visible: an unsaved draft may still have a typo
        value = str(self.context[name]).translate(_MARKDOWN_MARKERS)
        # Markdown's serialiser escapes < and > but leaves "&" that starts an entity ("&amp;") alone.
        return AtomicString(value.replace("&", "&amp;")), m.start(0), m.end(0)


class _MergeFieldsExtension(Extension):
    def __init__(self, context: Mapping[str, object]):
        super().__init__()
        self.context = context

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # After code spans (a field in `code` is shown as typed), before everything else that is inline.
        md.inlinePatterns.register(_TextMergeFields(self.context), "accord_merge_fields", 185)


# --- Markdown -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TocEntry:
    level: int  # 2 for the document's sections, 3 and deeper for the author's headings
    id: str
    title: str


@dataclass(frozen=True)
class RenderedMarkdown:
    html: str
    toc: tuple[TocEntry, ...]


def _flatten_toc(tokens: Iterable[Mapping]) -> list[TocEntry]:
    entries = []
    for token in tokens:
        entries.append(TocEntry(token["level"], token["id"], html.unescape(token["name"])))
        entries.extend(_flatten_toc(token.get("children", ())))
    return entries


def render_markdown_with_toc(
    text: str, context: Mapping[str, object], *, id_prefix: str = "md-", base_level: int = 1
) -> RenderedMarkdown:
    """``render_markdown`` plus the headings it produced (for a table of contents).

    ``base_level`` shifts the author's headings (``# Scope`` becomes ``<h3>`` with ``base_level=3``) so
    they sit under the document's own section headings; ``id_prefix`` keeps ids of separately rendered
    parts apart.
    """
    if not id_prefix.startswith(ID_PREFIXES):
        raise ValueError(f"id_prefix must start with one of {ID_PREFIXES}")
    blocks: list[str] = []
    nonce = secrets.token_hex(16)

    def substitute_html(match: re.Match) -> str:
        name = match.group(1)
        value = context.get(name) if name in MERGE_FIELDS else None
        if not isinstance(value, SafeData):  # text values: on the tree (_TextMergeFields)
            return match.group(0)
        blocks.append(str(value))  # HTML Accord built: inserted after sanitising
        placeholder = _PLACEHOLDER.format(nonce=nonce, index=len(blocks) - 1)
        return f"\n\n{placeholder}\n\n" if name in ("sla_table", "coverage_table") else placeholder

    merged = _MERGE_FIELD.sub(substitute_html, text or "")
    converter = markdown.Markdown(
        extensions=["tables", "toc", "sane_lists", _MergeFieldsExtension(context)],
        extension_configs={
            "toc": {
                "baselevel": base_level,
                "slugify": lambda value, separator: id_prefix + (slugify(value, separator) or "section"),
            },
            "tables": {"use_align_attribute": True},  # not style="…", which our CSP would refuse
        },
        output_format="html",
    )
    body = sanitize_html(converter.convert(merged))
    if blocks:

        def put_back(match: re.Match) -> str:
            block = blocks[int(match.group(2))]
            if match.group(1) and match.group(3):  # alone in its paragraph: the block replaces it
                return block
            return (match.group(1) or "") + block + (match.group(3) or "")

        body = re.sub(_PLACEHOLDER_PATTERN.format(nonce=nonce), put_back, body)
    return RenderedMarkdown(html=body, toc=tuple(_flatten_toc(converter.toc_tokens)))


def render_markdown(text: str, context: Mapping[str, object]) -> str:
    """Markdown with merge fields, as safe HTML.

    ``context`` maps merge-field names to values: plain values are printed as text; values marked
    safe (``mark_safe``, as ``sla_table_html`` returns) are HTML Accord built and go in as they are.
    Unknown fields are left as typed (``validate_merge_fields`` refuses them when a draft is saved).
    """
    return render_markdown_with_toc(text, context).html


# --- Tables ---------------------------------------------------------------------------------------


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def duration_in_words(duration: timedelta, *, business: bool) -> str:
    """ "4 business hours", "1 hour 30 minutes", "15 minutes", "2 days" (whole days only on a 24/7
    clock: a business day's length depends on the calendar)."""
    minutes = int(duration.total_seconds() // 60)
    qualifier = "business " if business else ""
    if not business and minutes >= 1440 and minutes % 1440 == 0:
        return _plural(minutes // 1440, "day")
    hours, rest = divmod(minutes, 60)
    if not hours:
        return _plural(rest, f"{qualifier}minute")
    text = _plural(hours, f"{qualifier}hour")
    return f"{text} {_plural(rest, 'minute')}" if rest else text


def target_in_words(target) -> str:
    """An applied SLA target as a client reads it: "4 business hours (Business hours calendar)"."""
    calendar = target.calendar
    return f"{duration_in_words(target.duration, business=not calendar.is_always_open)} ({calendar.name})"


def sla_table_html(effective_sla_by_priority: Mapping[str, object]) -> SafeString:
    """P1-P4 × first response / on-site arrival / resolution, in words, from ``effective_sla`` results
    (one ``EffectiveSla`` per priority; a priority left out shows no targets)."""
    from service_levels.models import Metric, Priority

    rows = []
    policies: list[str] = []
    for priority in _PRIORITIES:
        effective = effective_sla_by_priority.get(priority)
        cells = []
        for metric in Metric:
            target = effective.targets.get(metric.value) if effective else None
            if target is None:
                cells.append({"duration": "no target", "calendar": ""})
                continue
            business = not target.calendar.is_always_open
            cells.append(
                {
                    "duration": duration_in_words(target.duration, business=business),
                    "calendar": target.calendar.name,
                }
            )
        rows.append({"label": Priority(priority).label, "cells": cells})
        if effective is not None and effective.policy is not None:
            for name in [str(effective.policy), *(str(rider) for rider in effective.riders)]:
                if name not in policies:
                    policies.append(name)
    return mark_safe(  # noqa: S308 - rendered from a template with auto-escaping
        render_to_string(
            "contracts/documents/sla_table.html",
            {"metrics": [metric.label for metric in Metric], "rows": rows, "policies": policies},
        ).strip()
    )


def coverage_rule_label(rule: Mapping) -> str:
    """ "Repair of hardware", "Remote support", "Software", "All other work", "Travel inside the service
    area"."""
    label = _coverage_what(rule)
    area = AREAS.get(rule.get("area") or "")
    return f"{label} {area}" if area else label


def _coverage_what(rule: Mapping) -> str:
    work = WorkType.LABELS.get(rule.get("work_type") or "", "")
    category = rule.get("category") or ""
    category = category if category in CATEGORIES else ""
    if work and category:
        return f"{work} ({category})"
    if work:
        return work
    if category:
        return f"All {category} work"
    return "All other work"


def coverage_table_html(version: ContractVersion, *, currency: str = "USD") -> SafeString:
    """The version's coverage rules in order (the first matching rule decides), with the catch-all:
    work no rule matches is billable at the version's rates."""
    rules = [
        {
            "what": coverage_rule_label(rule),
            "covered": bool(rule.get("covered")),
            "note": rule.get("note", ""),
        }
        for rule in (version.coverage or [])
        if isinstance(rule, Mapping)
    ]
    catch_all = any(
        not rule.get("category") and not rule.get("work_type") and not rule.get("area")
        for rule in version.coverage or []
    )
    return mark_safe(  # noqa: S308 - rendered from a template with auto-escaping
        render_to_string(
            "contracts/documents/coverage_table.html",
            {
                "rules": rules,
                "catch_all": catch_all,
                "rate_remote": money(version.hourly_rate_remote, currency),
                "rate_onsite": money(version.hourly_rate_onsite, currency),
            },
        ).strip()
    )


def plain_number(value: Decimal) -> str:
    """1.50 -> "1.5", 2.00 -> "2", 10 -> "10"."""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- The document ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedDocument:
    title: str
    html: str
    toc: tuple[TocEntry, ...]

    @property
    def sha256(self) -> str:
        return document_sha256(self.html)


def document_sha256(html_text: str) -> str:
    """SHA-256 (hex) of exactly this HTML, as UTF-8: what the signing flow stores with a signature."""
    return hashlib.sha256(html_text.encode("utf-8")).hexdigest()


def effective_sla_by_priority(*, client=None, tier: str = "", riders: Iterable[str] = ()) -> dict:
    """The targets a client would have under a signed contract on ``tier`` with ``riders``, per
    priority (the document promises what applies once it is signed)."""
    from service_levels.selectors import effective_sla

    who = client if client is not None else SAMPLE_CLIENT_NAME
    return {
        priority: effective_sla(
            client=who, priority=priority, has_signed_contract=True, tier=tier or None, riders=tuple(riders)
        )
        for priority in _PRIORITIES
    }


def _tier_label(tier: str, slas: Mapping) -> str:
    from service_levels.models import PolicyKind

    policy = next((sla.policy for sla in slas.values() if sla.policy is not None), None)
    if tier and policy is not None and policy.kind == PolicyKind.TIER:
        return policy.name
    if tier:
        return tier.replace("-", " ").title()
    return "Standard (no paid plan)"


def _default_today(version: ContractVersion, tenant) -> date:
    """A published version is dated the day it was published (so renders repeat exactly); a draft
    preview is dated today."""
    if version.published_at is not None:
        return tenant_localtime(version.published_at, tenant).date()
    return tenant_today(tenant)


def render_version(
    version: ContractVersion,
    *,
    client=None,
    tier: str = "",
    riders: Iterable[str] = (),
    tenant,
    today: date | None = None,
) -> RenderedDocument:
    """The full document of a version for a client (or a sample client when ``client`` is None).

    Title, parties, terms of service, SLA (targets from ``effective_sla`` for ``tier`` and
    ``riders`` under a signed contract), coverage, rates, billing terms, and term/renewal/notice.
    Pass ``today`` (e.g. the day the agreement was sent) for the document's date; it defaults to the
    publication date of a published version. The result depends only on its inputs and the tenant's SLA
    configuration: no clock, random or per-request value goes in, so its hash is stable.
    Runs inside the tenant's scope (the SLA configuration is read).
    """
    riders = tuple(rider for rider in riders if rider)
    today = today or _default_today(version, tenant)
    currency = getattr(tenant, "currency", "USD") or "USD"
    slas = effective_sla_by_priority(client=client, tier=tier, riders=riders)
    sla_table = sla_table_html(slas)
    coverage_table = coverage_table_html(version, currency=currency)
    client_name = client.name if client is not None else SAMPLE_CLIENT_NAME
    context = {
        "client_name": client_name,
        "tenant_name": tenant.name,
        "tier": _tier_label(tier, slas),
        "term_months": version.term_months,
        "hourly_rate_remote": money(version.hourly_rate_remote, currency),
        "hourly_rate_onsite": money(version.hourly_rate_onsite, currency),
        "notice_days": version.notice_days,
        "sla_table": sla_table,
        "coverage_table": coverage_table,
        "today": long_date(today),
    }
    terms = render_markdown_with_toc(version.terms_markdown, context, id_prefix="terms-", base_level=3)
    sla = render_markdown_with_toc(version.sla_markdown, context, id_prefix="sla-", base_level=3)
    used = set(merge_fields_in(version.terms_markdown)) | set(merge_fields_in(version.sla_markdown))
    is_supplement = version.template.kind == TemplateKind.SUPPLEMENT
    has_rates = Decimal(version.hourly_rate_remote or 0) > 0 or Decimal(version.hourly_rate_onsite or 0) > 0

    sections = [("doc-terms", "Terms" if is_supplement else "Terms of service", terms)]
    sections.append(("doc-sla", "Service level agreement", sla))
    # Coverage gets its own section unless the author placed the table in the text already.
    if (not is_supplement or version.coverage) and "coverage_table" not in used:
        sections.append(("doc-coverage", "What is covered", None))
    if not is_supplement or has_rates:
        sections.append(("doc-rates", "Rates for work that is not covered", None))
    if version.billing_terms.strip():
        sections.append(("doc-billing", "Billing terms", None))
    sections.append(("doc-term", "Term, renewal and notice", None))
    numbered = [
        {"id": section_id, "number": number, "title": title, "part": part}
        for number, (section_id, title, part) in enumerate(sections, start=1)
    ]
    toc: list[TocEntry] = []
    for section in numbered:
        toc.append(TocEntry(2, section["id"], f"{section['number']}. {section['title']}"))
        if section["part"] is not None:
            toc.extend(entry for entry in section["part"].toc if entry.level <= 4)

    document = render_to_string(
        "contracts/documents/document.html",
        {
            "version": version,
            "is_supplement": is_supplement,
            "title": version.title,
            "tenant_name": tenant.name,
            "client_name": client_name,
            "is_sample": client is None,
            "tier": context["tier"],
            "riders": [sla_rider.name for sla_rider in _applied_riders(slas)],
            "today": context["today"],
            "sections": numbered,
            "terms_html": mark_safe(terms.html),  # noqa: S308 - sanitised by nh3 above
            "sla_html": mark_safe(sla.html),  # noqa: S308 - sanitised by nh3 above
            "append_sla_table": "sla_table" not in used,
            "sla_table": sla_table,
            "coverage_table": coverage_table,
            "rate_remote": context["hourly_rate_remote"],
            "rate_onsite": context["hourly_rate_onsite"],
            "after_hours_multiplier": plain_number(Decimal(version.after_hours_multiplier)),
            "has_rates": has_rates,
            "billing_terms": version.billing_terms.strip(),
        },
    ).strip()
    return RenderedDocument(title=version.title, html=document, toc=tuple(toc))


def _applied_riders(slas: Mapping) -> list:
    seen: dict[int, object] = {}
    for sla in slas.values():
        for rider in sla.riders:
            seen.setdefault(rider.pk, rider)
    return list(seen.values())
