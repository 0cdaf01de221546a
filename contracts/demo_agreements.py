"""Demo agreements for `seed_demo` (after contracts.demo.seed_contracts): about 60% of clients on the
published Service Agreement (paper contracts imported, with tiers and monthly fees, some ending in the
next 30/60/90 days), and one open signing campaign for the rest, with a grace deadline in 10 days, a
few signatures, a few declines and a few links opened. Deterministic and idempotent: a tenant that
already has agreements is left as it is."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from clients.models import Client
from contracts import agreements, campaigns, renewals
from contracts.models import Agreement, AgreementStatus, CampaignRecipient, ContractTemplate, TemplateKind
from tenants.localtime import tenant_today
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role
from tenants.scope import tenant_scope

SERVICE_AGREEMENT = "Service Agreement"  # the template contracts.demo.seed_contracts publishes
SIGNED_SHARE = 0.6
# tier -> (share of signed clients, monthly fees to pick from)
TIERS = {
    "": (0.35, ("0.00",)),
    "silver": (0.25, ("49.00", "59.00", "79.00")),
    "gold": (0.25, ("149.00", "179.00", "199.00")),
    "platinum": (0.15, ("349.00", "399.00", "449.00")),
}
# Days until the end of the term, and the tier, of the first signed clients: the renewal pipeline's
# 30/60/90-day buckets with revenue at stake in each.
ENDING_SOON = ((9, "gold"), (23, ""), (27, "silver"), (41, "platinum"), (52, "gold"), (67, "silver"),
               (84, "gold"))  # fmt: skip
DECLINE_REASONS = (
    "The on-site hourly rate is higher than we pay today.",
    "We only use you for projects; we do not want an ongoing agreement.",
    "Our building manager has to review this first.",
)
DEMO_IP, DEMO_AGENT = "203.0.113.24", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_2 like Mac OS X) Mobile/15E148"


def _service_version(tenant):
    from contracts.versions import current_published_version

    template = ContractTemplate.objects.filter(
        name=SERVICE_AGREEMENT, kind=TemplateKind.SERVICE_CONTRACT
    ).first()
    return current_published_version(template) if template else None


def _pick_tier(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for tier, (share, _) in TIERS.items():
        total += share
        if roll < total:
            return tier
    return ""


def _import_signed(client, version, *, starts_on, tier, fee) -> Agreement:
    """A paper contract signed before Accord, entered through the lifecycle (history says so)."""
    agreement = agreements.create_agreement(
        client=client, version=version, actor="Import", starts_on=starts_on, tier=tier, monthly_fee=fee
    )
    agreements.record_history(agreement, "imported", actor="Import", note="Signed on paper before Accord.")
    agreements.mark_sent(agreement, actor="Import")
    return agreements.mark_signed(agreement, actor="Signed on paper (imported)")


def _portal_outcomes(campaign, rng: random.Random) -> tuple[int, int, int]:
    """A few signers act on their links as they would in the portal: sign, decline, or just open."""
    from portal.links import issue_portal_link
    from portal.signing import decline_agreement, record_first_view, sign_agreement

    recipients = list(
        CampaignRecipient.objects.filter(campaign=campaign, agreement__status=AgreementStatus.SENT)
        .select_related("contact", "agreement")
        .order_by("client__name")
    )
    rng.shuffle(recipients)
    seen, signed, declined, opened = set(), 0, 0, 0
    for recipient in recipients:
        if recipient.client_id in seen:
            continue
        seen.add(recipient.client_id)
        link, _ = issue_portal_link(
            contact=recipient.contact, purpose="sign_agreement", agreement=recipient.agreement
        )
        if signed < 3:
            sign_agreement(
                link, typed_name=recipient.contact.full_name, consent=True, intent=True, ip=DEMO_IP,
                user_agent=DEMO_AGENT,
            )  # fmt: skip
            signed += 1
        elif declined < len(DECLINE_REASONS):
            decline_agreement(
                link, reason=DECLINE_REASONS[declined], ip=DEMO_IP, user_agent=DEMO_AGENT,
                typed_name=recipient.contact.full_name,
            )  # fmt: skip
            declined += 1
        elif opened < 3:
            record_first_view(link, ip=DEMO_IP, user_agent=DEMO_AGENT)
            campaigns.record_opened(agreement=recipient.agreement, contact=recipient.contact)
            opened += 1
        else:
            break
    return signed, declined, opened


def seed_agreements(tenant: Tenant, progress=print) -> int:
    """Seed the tenant's agreements and its open campaign unless it has agreements. Returns how many
    agreements were created."""
    with tenant_scope(tenant):
        version = _service_version(tenant)
        if version is None:
            progress(f"  {tenant.name}: no published “{SERVICE_AGREEMENT}” yet (run seed_contracts first): "
                     "agreements skipped.")  # fmt: skip
            return 0
        if Agreement.objects.exists():
            progress(f"  {tenant.name}: agreements already there.")
            return 0
        rng = random.Random(f"agreements-{tenant.slug}")
        today = tenant_today()
        clients = list(Client.objects.filter(archived_at__isnull=True).order_by("name"))
        rng.shuffle(clients)
        signed_clients = clients[: round(len(clients) * SIGNED_SHARE)]
        for index, client in enumerate(signed_clients):
            if index < len(ENDING_SOON):
                days_to_end, tier = ENDING_SOON[index]
            else:
                days_to_end, tier = rng.randint(100, 340), _pick_tier(rng)
            ends_on = today + timedelta(days=days_to_end)
            starts_on = agreements.add_months(ends_on + timedelta(days=1), -version.term_months)
            _import_signed(
                client, version, starts_on=starts_on, tier=tier, fee=Decimal(rng.choice(TIERS[tier][1]))
            )
        run = renewals.run_renewals(today)  # those inside their notice window become expiring

        owner = StaffMembership.objects.filter(role=Role.OWNER, is_active=True).select_related("user").first()
        campaign = campaigns.open_signature_campaign(
            name=f"{SERVICE_AGREEMENT} {today.year}: every client signs",
            version=version,
            grace_deadline=today + timedelta(days=10),
            reminder_days=[7, 3, 1],
            message=(
                "We now ask every client, with or without a paid plan, to sign our service agreement: it "
                "says how fast we respond and what is covered. Questions? Reply to this email."
            ),
            created_by=owner.user if owner else None,
        )
        campaigns.send_campaign(campaign, actor=owner.user if owner else None, inline=True)
        signed, declined, opened = _portal_outcomes(campaign, rng)
        coverage = campaigns.coverage()
        total = Agreement.objects.count()
    progress(
        f"  {tenant.name}: {len(signed_clients)} signed agreements ({len(run.reminders)} renewal reminders), "
        f"campaign “{campaign}” to {len(clients) - len(signed_clients)} clients ({signed} signed, {declined} "
        f"declined, {opened} opened); coverage {coverage.percent}%"
    )
    return total
