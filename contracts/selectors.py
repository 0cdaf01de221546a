"""Reads of contracts: what a client has signed, and what that means for service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from contracts.agreements import tenant_today
from contracts.models import (
    IN_FORCE,
    Agreement,
    CampaignRecipient,
    CampaignStatus,
    ClientStanding,
    TemplateKind,
)
from service_levels.models import IssueType
from service_levels.selectors import EffectiveSla, effective_sla
from tenants.models import StaffMembership


@dataclass(frozen=True)
class ContractTerms:
    """What the client's service contract says, for the effective-SLA selector and the banners."""

    agreement: Agreement | None
    has_signed_contract: bool
    basic_triage_only: bool
    grace_until: date | None
    tier: str
    riders: tuple[str, ...]


def current_service_agreement(client, *, on: date | None = None) -> Agreement | None:
    """The client's service contract in force on a day (today by default), newest first."""
    on = on or timezone.localdate()
    return (
        Agreement.objects.filter(
            client=client, status__in=IN_FORCE, version__template__kind=TemplateKind.SERVICE_CONTRACT
        )
        .exclude(starts_on__gt=on)
        .exclude(ends_on__lt=on)
        .select_related("version")
        .order_by("-starts_on", "-id")
        .first()
    )


def contract_terms(client) -> ContractTerms:
    agreement = current_service_agreement(client)
    standing = ClientStanding.objects.filter(client=client).first()
    grace_until = None
    if agreement is None and not (standing and standing.basic_triage_only):
        grace_until = (
            CampaignRecipient.objects.filter(
                client=client,
                campaign__status=CampaignStatus.OPEN,
                campaign__grace_deadline__gte=tenant_today(),
            )
            .order_by("-campaign__grace_deadline")
            .values_list("campaign__grace_deadline", flat=True)
            .first()
        )
    return ContractTerms(
        agreement=agreement,
        has_signed_contract=agreement is not None,
        basic_triage_only=agreement is None and bool(standing and standing.basic_triage_only),
        grace_until=grace_until,
        tier=agreement.tier if agreement else "",
        riders=tuple(agreement.riders) if agreement else (),
    )


def effective_sla_for_client(
    *, client, priority: str | None = None, issue_type: IssueType | None = None
) -> EffectiveSla:
    """effective_sla() with the client's contract, tier and riders read from its agreement."""
    terms = contract_terms(client)
    return effective_sla(
        client=client,
        priority=priority,
        issue_type=issue_type,
        has_signed_contract=terms.has_signed_contract,
        grace_until=terms.grace_until,
        tier=terms.tier or None,
        riders=terms.riders,
    )


def sent_by(agreement: Agreement):
    """The staff user who sent the agreement for signature, when a person did and is still on the staff:
    the author of its last send, or of the campaign that sent it (a campaign's sends are the system's)."""
    staff = StaffMembership.objects.filter(is_active=True, user__is_active=True).select_related("user")
    last_send = agreement.history.filter(kind__in=["sent", "resent"]).order_by("-at", "-id").first()
    if last_send is not None and "@" in last_send.actor:
        membership = staff.filter(user__email__iexact=last_send.actor).first()
        if membership is not None:
            return membership.user
    campaign_author = (
        CampaignRecipient.objects.filter(agreement=agreement, campaign__created_by__isnull=False)
        .order_by("-id")
        .values_list("campaign__created_by", flat=True)
        .first()
    )
    membership = staff.filter(user_id=campaign_author).first() if campaign_author else None
    return membership.user if membership else None
