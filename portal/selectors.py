"""Reads for the portal pages: what an agreement means for the client, in plain words."""

from __future__ import annotations

from dataclasses import dataclass, field

from contracts.documents import coverage_rule_label, money, plain_number
from contracts.models import Agreement, Signature
from memberships.selectors import agreement_plan, plans_of_agreements
from tenants.localtime import tenant_today


@dataclass(frozen=True)
class CoverageSummary:
    covered: list[str] = field(default_factory=list)
    billable: list[str] = field(default_factory=list)


def coverage_summary(agreement: Agreement) -> CoverageSummary:
    """The version's coverage rules as two plain lists. Rules are read first-match-wins, so a rule that
    an earlier one already decides entirely is left out rather than contradicting it."""
    summary = CoverageSummary()
    seen: list[tuple[str, str]] = []
    for rule in agreement.version.coverage or []:
        category, work = rule.get("category") or "", rule.get("work_type") or ""
        if any(c in ("", category) and w in ("", work) for c, w in seen):
            continue
        if not rule.get("area"):  # a rule for one side of the service area leaves the other side open
            seen.append((category, work))
        label = coverage_rule_label(rule)
        note = (rule.get("note") or "").strip()
        (summary.covered if rule.get("covered") else summary.billable).append(
            f"{label}: {note}" if note else label
        )
    return summary


@dataclass(frozen=True)
class Terms:
    """The money and time of an agreement, for the summary box."""

    tier: str
    riders: list[str]
    monthly_fee: str  # "" when there is no fee
    term_months: int
    auto_renew: bool
    notice_days: int
    hourly_rate_remote: str  # "" when not set
    hourly_rate_onsite: str
    after_hours_multiplier: str  # "1.5"; "" when after-hours work costs the same
    billing_terms: str


def agreement_terms(agreement: Agreement) -> Terms:
    """The summary's facts. A supplement shows only what it changes: its plan when it offers one (not the
    membership the client already has), its own rates and billing terms."""
    version = agreement.version
    currency = agreement.tenant.currency or "USD"
    today = tenant_today(agreement.tenant)
    if agreement.parent_id is None:
        plan = agreement_plan(agreement, on=today)
    else:
        plan = plans_of_agreements([agreement.pk], on=today).get(agreement.pk)
    return Terms(
        tier=plan.tier.name if plan and plan.tier else "",
        riders=[rider.name for rider in plan.riders] if plan else [],
        monthly_fee=money(plan.monthly_value, currency) if plan and plan.monthly_value else "",
        term_months=version.term_months,
        auto_renew=agreement.auto_renew,
        notice_days=version.notice_days,
        hourly_rate_remote=money(version.hourly_rate_remote, currency) if version.hourly_rate_remote else "",
        hourly_rate_onsite=money(version.hourly_rate_onsite, currency) if version.hourly_rate_onsite else "",
        after_hours_multiplier=(
            plain_number(version.after_hours_multiplier) if version.after_hours_multiplier != 1 else ""
        ),
        billing_terms=version.billing_terms,
    )


def signed_signature(agreement: Agreement, *, with_pdf: bool = False) -> Signature | None:
    """The signature that signed the agreement (the latest, should it have been signed twice)."""
    signatures = Signature.objects.filter(agreement=agreement, signed_at__isnull=False)
    if not with_pdf:
        signatures = signatures.defer("pdf")
    return signatures.order_by("-signed_at", "-id").first()


def newer_agreement(agreement: Agreement) -> Agreement | None:
    """The agreement that replaced a superseded one (for its old link to name), if any."""
    if agreement.superseded_by_id is None:
        return None
    return Agreement.objects.select_related("version").filter(pk=agreement.superseded_by_id).first()


def declined_signature(agreement: Agreement) -> Signature | None:
    return (
        Signature.objects.filter(agreement=agreement, declined_at__isnull=False)
        .order_by("-declined_at", "-id")
        .first()
    )
