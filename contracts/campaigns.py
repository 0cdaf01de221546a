"""Signing campaigns: ask many clients to sign a published version by a deadline, remind them, and
after the grace period hold the ones who did not sign to basic triage.

One campaign gives each chosen client one agreement (created through the lifecycle in
``contracts.agreements``) and one recipient row per contact who may sign. Sending is queued per batch
(a tenant task) and is idempotent per recipient: a recipient row is claimed with a row lock and sent
at most once per claim, so a re-queued batch or a second worker sends nothing twice. The grace-period
rule is ``close_campaigns_past_deadline``; the banners and the coverage KPI are read here too.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.actors import SYSTEM, actor_label
from clients.models import Client, Contact
from contracts import agreements
from contracts.emails import send_templated_email
from contracts.models import (
    IN_FORCE,
    Agreement,
    AgreementStatus,
    Campaign,
    CampaignRecipient,
    CampaignStatus,
    ClientStanding,
    ContractVersion,
    RecipientStatus,
    Signature,
    TemplateKind,
)
from contracts.selectors import contract_terms, current_service_agreement
from contracts.signing_links import signing_link_url
from tenants.localtime import tenant_localtime, tenant_today
from tenants.scope import current_tenant

logger = logging.getLogger(__name__)

BATCH_SIZE = 25
# Portal links outlive the deadline a little: a late signature is still welcome (it lifts basic triage).
LINK_LIFETIME_AFTER_DEADLINE = timedelta(days=14)
MIN_LINK_LIFETIME = timedelta(days=30)
# Agreements a campaign may (re)send instead of creating a second one for the same client and term.
REUSABLE = (AgreementStatus.DRAFT, AgreementStatus.SENT, AgreementStatus.DECLINED)
AWAITING_SIGNATURE = (AgreementStatus.SENT,)

INVITATION_TEMPLATE = "contracts/email/campaign_invitation"
REMINDER_TEMPLATE = "contracts/email/campaign_reminder"


def day_month(day: date) -> str:
    return f"{day.day} {day:%B}"


# --- Choosing clients -------------------------------------------------------------------------------


def signers_of_all() -> QuerySet[Contact]:
    """Contacts who may sign for their client and can be emailed."""
    return Contact.objects.filter(can_sign=True, archived_at__isnull=True).exclude(email="")


def signers_of(client) -> QuerySet[Contact]:
    return signers_of_all().filter(client=client)


def clients_with_signed_contract(*, on: date | None = None) -> QuerySet[Agreement]:
    """Service-contract agreements in force on a day (the coverage rule, for many clients at once)."""
    on = on or tenant_today()
    return (
        Agreement.objects.filter(
            status__in=IN_FORCE, parent__isnull=True, version__template__kind=TemplateKind.SERVICE_CONTRACT
        )
        .exclude(starts_on__gt=on)
        .exclude(ends_on__lt=on)
    )


def default_campaign_clients(version: ContractVersion) -> QuerySet[Client]:
    """Who a campaign asks by default: for a service contract, every active client without a signed
    service contract; for a supplement, every active client with one (the amendment needs a parent)."""
    signed_ids = clients_with_signed_contract().values("client_id")
    clients = Client.objects.filter(archived_at__isnull=True)
    if version.template.kind == TemplateKind.SUPPLEMENT:
        return clients.filter(pk__in=signed_ids)
    return clients.exclude(pk__in=signed_ids)


@dataclass(frozen=True)
class NotReached:
    """A chosen client the campaign could not ask, and why (shown to staff, never silently dropped)."""

    client: Client
    reason: str


NO_SIGNER = (
    "No contact who may sign has an email address. Add one (or tick “can sign”), then add the client again."
)
NO_PARENT = "No signed service contract to amend."
ALREADY_SIGNED = "Already signed this version."


def _agreement_for(client, version: ContractVersion, *, actor: str) -> Agreement | NotReached:
    """The agreement the campaign asks the client to sign: an unsigned one for the same version and
    parent if there is one (one agreement per client and term), else a new draft."""
    parent = None
    if version.template.kind == TemplateKind.SUPPLEMENT:
        parent = current_service_agreement(client)
        if parent is None:
            return NotReached(client, NO_PARENT)
    mine = Agreement.objects.filter(client=client, version=version, parent=parent)
    if mine.filter(status__in=IN_FORCE).exists():
        return NotReached(client, ALREADY_SIGNED)
    existing = mine.filter(status__in=REUSABLE).order_by("-created_at").first()
    if existing is not None:
        return existing
    # No plan on it: a membership the client already has moves to the new contract when it is signed.
    return agreements.create_agreement(client=client, version=version, actor=actor, parent=parent)


def _validate_campaign(
    *, name: str, version: ContractVersion, grace_deadline: date, reminder_days
) -> list[int]:
    errors = {}
    if not name.strip():
        errors["name"] = "Give the campaign a name."
    if not version.is_published:
        errors["version"] = "Only a published version can be sent for signature."
    if grace_deadline <= tenant_today():
        errors["grace_deadline"] = "The deadline must be after today: clients need time to read and sign."
    days = sorted({int(day) for day in reminder_days or ()}, reverse=True)
    if any(day < 0 for day in days):
        errors["reminder_days"] = "Reminder days count down to the deadline: use 0 or more."
    if errors:
        raise ValidationError(errors)
    return days


def _enrol(campaign: Campaign, clients: Iterable[Client], *, actor: str) -> list[NotReached]:
    """Agreements and recipient rows for ``clients``; returns the clients that could not be asked."""
    not_reached = []
    for client in clients:
        contacts = list(signers_of(client))
        if not contacts:
            not_reached.append(NotReached(client, NO_SIGNER))
            continue
        agreement = _agreement_for(client, campaign.version, actor=actor)
        if isinstance(agreement, NotReached):
            not_reached.append(agreement)
            continue
        for contact in contacts:
            CampaignRecipient.objects.get_or_create(
                campaign=campaign, contact=contact,
                defaults={"tenant_id": campaign.tenant_id, "client": client, "agreement": agreement},
            )  # fmt: skip
    return not_reached


def _chosen_clients(version: ContractVersion, client_ids: Sequence[int] | None) -> list[Client]:
    if client_ids is None:
        return list(default_campaign_clients(version).order_by("name"))
    ids = {int(pk) for pk in client_ids}
    clients = list(Client.objects.filter(pk__in=ids, archived_at__isnull=True).order_by("name"))
    if missing := ids - {client.pk for client in clients}:
        raise ValidationError(
            {"client_ids": f"Unknown or archived clients: {', '.join(map(str, sorted(missing)))}."}
        )
    if not clients:
        raise ValidationError({"client_ids": "Choose at least one client."})
    return clients


@transaction.atomic
def open_signature_campaign(*, name: str, version: ContractVersion, client_ids: Sequence[int] | None = None,
                            grace_deadline: date, reminder_days: Iterable[int] = (), message: str = "",
                            created_by=None, actor: str = "") -> Campaign:  # fmt: skip
    """A draft campaign asking clients to sign ``version`` by ``grace_deadline``.

    ``client_ids=None`` picks the default (``default_campaign_clients``). Each client gets one agreement
    (a supplement's parent is the client's current service agreement) and one recipient per signer.
    Clients that cannot be asked (no signer, nothing to amend, already signed) are returned on
    ``campaign.not_reached``. Nothing is emailed until ``send_campaign``. ``actor`` (an
    ``accounts.actors.actor_label``) signs the agreements' history; by default ``created_by``'s label.
    """
    days = _validate_campaign(
        name=name, version=version, grace_deadline=grace_deadline, reminder_days=reminder_days
    )
    clients = _chosen_clients(version, client_ids)
    campaign = Campaign.objects.create(
        tenant=current_tenant(), name=name.strip(), version=version, message=message.strip(),
        grace_deadline=grace_deadline, reminder_days=days, created_by=created_by,
    )  # fmt: skip
    campaign.not_reached = _enrol(campaign, clients, actor=actor or actor_label(created_by))
    return campaign


@transaction.atomic
def add_clients_to_campaign(
    campaign: Campaign, *, client_ids: Sequence[int], actor: str = SYSTEM
) -> list[NotReached]:
    """Ask more clients (e.g. one whose signer was just added). Queued for the next ``send_campaign``."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError("This campaign is closed: start a new one.")
    return _enrol(campaign, _chosen_clients(campaign.version, client_ids), actor=actor)


# --- Sending ----------------------------------------------------------------------------------------


def link_lifetime(deadline: date) -> timedelta:
    return max(MIN_LINK_LIFETIME, (deadline - tenant_today()) + LINK_LIFETIME_AFTER_DEADLINE)


def email_signing_link(*, contact: Contact, agreement: Agreement, template: str, subject: str, ttl: timedelta,
                  context: dict) -> tuple[bool, str]:  # fmt: skip
    """Issue a fresh signing link and email it. (sent?, why not). Never raises for a refused contact."""
    try:
        url = signing_link_url(contact=contact, agreement=agreement, ttl=ttl)
    except ValidationError as error:
        return False, " ".join(error.messages)
    log = send_templated_email(
        to=contact.email, subject=subject, template=template, related=agreement,
        context={"contact": contact, "agreement": agreement, "version": agreement.version, "url": url,
                 "is_supplement": agreement.parent_id is not None, **context},
    )  # fmt: skip
    return log.status == "sent", log.error


def _invitation_subject(campaign: Campaign) -> str:
    if campaign.version.template.kind == TemplateKind.SUPPLEMENT:
        what = "an amendment to your service agreement"
    else:
        what = campaign.version.title
    return f"{current_tenant().name}: please review and sign {what} by {day_month(campaign.grace_deadline)}"


def send_campaign(campaign: Campaign, *, actor: str = SYSTEM, inline: bool = False) -> int:
    """Queue the campaign's unsent emails, one tenant task per batch (after commit). Returns how many
    recipients were queued. Safe to call again: only recipients still queued are sent, once each.
    ``inline=True`` sends them in this process instead (the demo seed, a management command)."""
    from contracts.tasks import send_campaign_batch
    from tenants.tasks import enqueue_for_tenant

    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.status == CampaignStatus.CLOSED:
            raise ValidationError("This campaign is closed: its grace period is over.")
        if campaign.status == CampaignStatus.DRAFT:
            campaign.status = CampaignStatus.SENDING
            campaign.save(update_fields=["status"])
            logger.info("campaign %s sending, started by %s", campaign.pk, actor)
        queued = list(
            campaign.recipients.filter(status=RecipientStatus.QUEUED)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for start in range(0, len(queued), BATCH_SIZE):
            batch = queued[start : start + BATCH_SIZE]
            if inline:
                send_to_recipients(campaign_id=campaign.pk, recipient_ids=batch)
            else:
                enqueue_for_tenant(
                    send_campaign_batch, current_tenant(), campaign_id=campaign.pk, recipient_ids=batch
                )
        if not queued:
            _finish_sending(campaign)
    return len(queued)


def send_to_recipients(*, campaign_id: int, recipient_ids: Sequence[int]) -> int:
    """Email each recipient still queued its invitation with a fresh portal link and mark the agreement
    sent. Each recipient is claimed under a row lock (SKIP LOCKED) and leaves the queue in the same
    transaction, so two workers or a redelivered batch never email one recipient twice. A refused or
    failed send marks the recipient bounced (the reason goes into the agreement's history)."""
    campaign = Campaign.objects.select_related("version__template").get(pk=campaign_id)
    sent = 0
    for recipient_id in recipient_ids:
        with transaction.atomic():
            recipient = (
                CampaignRecipient.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("contact", "agreement__version", "client")
                .filter(pk=recipient_id, campaign=campaign, status=RecipientStatus.QUEUED)
                .first()
            )
            if recipient is not None and _invite(campaign, recipient):
                sent += 1
    _finish_sending(campaign)
    return sent


def _invite(campaign: Campaign, recipient: CampaignRecipient) -> bool:
    agreement = recipient.agreement
    if agreement.status not in REUSABLE:
        # Signed by a co-signer meanwhile, or cancelled: nothing to ask for.
        recipient.status = RecipientStatus.SIGNED if agreement.is_in_force else RecipientStatus.BOUNCED
        recipient.save(update_fields=["status"])
        return False
    ok, why = email_signing_link(
        contact=recipient.contact, agreement=agreement, template=INVITATION_TEMPLATE,
        subject=_invitation_subject(campaign), ttl=link_lifetime(campaign.grace_deadline),
        context={"campaign": campaign, "deadline": campaign.grace_deadline, "message": campaign.message},
    )  # fmt: skip
    if not ok:
        recipient.status = RecipientStatus.BOUNCED
        recipient.save(update_fields=["status"])
        agreements.record_history(
            agreement, "not_delivered", actor=SYSTEM, to=recipient.contact.email or str(recipient.contact),
            reason=why, campaign_id=campaign.pk,
        )  # fmt: skip
        return False
    agreements.mark_sent(agreement, actor=SYSTEM, to=recipient.contact.email)
    recipient.status = RecipientStatus.SENT
    recipient.sent_at = timezone.now()
    recipient.save(update_fields=["status", "sent_at"])
    return True


def _finish_sending(campaign: Campaign) -> None:
    """SENDING -> OPEN once nothing is left to send (conditional update: one winner)."""
    still_queued = CampaignRecipient.objects.filter(
        campaign=campaign, status=RecipientStatus.QUEUED, agreement__status__in=REUSABLE
    ).exists()
    if not still_queued:
        Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.SENDING).update(
            status=CampaignStatus.OPEN, sent_at=timezone.now()
        )


@transaction.atomic
def send_agreement_for_signature(
    agreement: Agreement,
    *,
    actor: str,
    note: str = "",
    deadline: date | None = None,
    only: Iterable[Contact] | None = None,
) -> int:
    """Email every signer of the agreement's client a signing link (outside any campaign: a single
    contract, a renewal on a new version), or only those of them in ``only`` (a client's own request,
    which its requester signs). An agreement that names its signers goes to them, in their order
    (contracts.signers). Marks the agreement sent once at least one email went out. Returns how
    many signers were emailed; ValidationError when the client has no signer (among ``only``)."""
    from contracts import signers  # it builds on this module's emails

    agreement = Agreement.objects.select_related("version__template", "client").get(pk=agreement.pk)
    if agreement.status not in REUSABLE:
        raise ValidationError(
            f"An agreement that is {agreement.get_status_display().lower()} cannot be sent."
        )
    if only is None and agreement.signers.exists():
        return signers.send_to_signers(agreement, actor=actor, note=note, deadline=deadline)
    contacts = list(signers_of(agreement.client))
    if only is not None:
        chosen = {contact.pk for contact in only}
        contacts = [contact for contact in contacts if contact.pk in chosen]
    if not contacts:
        raise ValidationError(f"{agreement.client} has no contact who may sign with an email address.")
    subject = f"{current_tenant().name}: please review and sign {agreement.version.title}"
    sent = 0
    for contact in contacts:
        ok, why = email_signing_link(
            contact=contact, agreement=agreement, template=INVITATION_TEMPLATE, subject=subject,
            ttl=link_lifetime(deadline) if deadline else MIN_LINK_LIFETIME,
            context={"campaign": None, "deadline": deadline, "message": note},
        )  # fmt: skip
        if ok:
            agreements.mark_sent(agreement, actor=actor, to=contact.email)
            sent += 1
        else:
            agreements.record_history(agreement, "not_delivered", actor=SYSTEM, to=contact.email, reason=why)
    return sent


def record_opened(*, agreement: Agreement, contact: Contact) -> None:
    """The signer opened their link (for the portal to call): campaign progress shows it as opened."""
    CampaignRecipient.objects.filter(
        agreement=agreement, contact=contact, status=RecipientStatus.SENT
    ).update(status=RecipientStatus.OPENED, opened_at=timezone.now())


# --- Reminders and the deadline -------------------------------------------------------------------


def _due_threshold(campaign: Campaign, today: date) -> tuple[int | None, list[int]]:
    """The reminder to send today (the nearest threshold already reached) and every threshold it
    stands for (days a daily run missed are folded into one reminder, not sent in a burst)."""
    days_left = (campaign.grace_deadline - today).days
    due = [day for day in campaign.reminder_days if day >= days_left]
    return (min(due), due) if due else (None, [])


def _reminder_subject(campaign: Campaign, days_left: int) -> str:
    if days_left == 0:
        return f"Last day to sign {campaign.version.title}"
    return f"Reminder: {days_left} day{'s' if days_left != 1 else ''} left to sign {campaign.version.title}"


def send_due_reminders(today: date | None = None) -> int:
    """Remind signers who have not signed, on the campaign's reminder days (e.g. 7, 3 and 1 day before
    the deadline). Each recipient gets each reminder once (``reminders_sent``), under a row lock; nobody
    is reminded on the day they were invited. Returns how many reminders were sent."""
    today = today or tenant_today()
    sent = 0
    open_campaigns = Campaign.objects.filter(
        status=CampaignStatus.OPEN, grace_deadline__gte=today
    ).select_related("version__template")
    for campaign in open_campaigns:
        threshold, due = _due_threshold(campaign, today)
        if threshold is None:
            continue
        pending = campaign.recipients.filter(
            status__in=(RecipientStatus.SENT, RecipientStatus.OPENED),
            agreement__status__in=AWAITING_SIGNATURE,
        ).exclude(reminders_sent__contains=[threshold])
        for recipient_id in pending.values_list("pk", flat=True):
            with transaction.atomic():
                recipient = (
                    CampaignRecipient.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("contact", "agreement__version")
                    .filter(pk=recipient_id)
                    .exclude(reminders_sent__contains=[threshold])
                    .first()
                )
                if recipient is None:
                    continue
                if recipient.sent_at and tenant_localtime(recipient.sent_at).date() >= today:
                    continue  # invited today: no reminder on top
                days_left = (campaign.grace_deadline - today).days
                ok, _ = email_signing_link(
                    contact=recipient.contact, agreement=recipient.agreement, template=REMINDER_TEMPLATE,
                    subject=_reminder_subject(campaign, days_left),
                    ttl=link_lifetime(campaign.grace_deadline),
                    context={"campaign": campaign, "deadline": campaign.grace_deadline,
                             "days_left": days_left, "message": ""},
                )  # fmt: skip
                recipient.reminders_sent = sorted(set(recipient.reminders_sent) | set(due), reverse=True)
                recipient.last_reminded_at = timezone.now()
                recipient.save(update_fields=["reminders_sent", "last_reminded_at"])
                sent += ok
    return sent


def _hold_to_basic_triage(client: Client, *, campaign: Campaign, since: datetime) -> bool:
    """Mark the client basic-triage only (idempotent: the first date stays). True when it changed."""
    reason = f"Did not sign {campaign.version} by {campaign.grace_deadline:%d %b %Y} (campaign “{campaign}”)."
    standing, created = ClientStanding.objects.select_for_update().get_or_create(
        client=client,
        defaults={"tenant_id": client.tenant_id, "basic_triage_only": True, "since": since, "reason": reason},
    )
    if created:
        return True
    if standing.basic_triage_only:
        return False
    standing.basic_triage_only, standing.since, standing.reason = True, since, reason
    standing.save(update_fields=["basic_triage_only", "since", "reason"])
    return True


def close_campaigns_past_deadline(today: date | None = None) -> list[Campaign]:
    """After a campaign's deadline day: every asked client that still has no signed service contract is
    held to basic triage (``ClientStanding``; the effective SLA then gives the basic-triage policy), and
    the campaign is closed. Idempotent; a late signature still lifts basic triage (``mark_signed``).
    A supplement campaign only closes: not signing an amendment leaves the signed contract standing."""
    today = today or tenant_today()
    closed = []
    for campaign_id in (
        Campaign.objects.filter(
            status__in=(CampaignStatus.OPEN, CampaignStatus.SENDING), grace_deadline__lt=today
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        with transaction.atomic():
            campaign = (
                Campaign.objects.select_for_update().select_related("version__template").get(pk=campaign_id)
            )
            if campaign.status == CampaignStatus.CLOSED:
                continue
            now = timezone.now()
            if campaign.version.template.kind == TemplateKind.SERVICE_CONTRACT:
                rows = campaign.recipients.select_related("client", "agreement").order_by("client_id", "pk")
                seen = set()
                for recipient in rows:
                    if recipient.client_id in seen:
                        continue
                    seen.add(recipient.client_id)
                    if current_service_agreement(recipient.client, on=today) is not None:
                        continue
                    if _hold_to_basic_triage(recipient.client, campaign=campaign, since=now):
                        agreements.client_terms_changed(
                            recipient.client_id, why="grace period ended: basic triage"
                        )
                        agreements.record_history(
                            recipient.agreement, "grace_period_ended", actor=SYSTEM,
                            campaign_id=campaign.pk, deadline=str(campaign.grace_deadline),
                            effect="basic triage only until signed",
                        )  # fmt: skip
            campaign.status, campaign.closed_at = CampaignStatus.CLOSED, now
            campaign.save(update_fields=["status", "closed_at"])
            closed.append(campaign)
    return closed


# --- Reads: progress, coverage, banners -----------------------------------------------------------

# A client's place in a campaign, furthest first: the state shown and counted.
# (Their badge colours are presentation: contracts/templatetags/contract_badges.py.)
STATES = [
    ("signed", "Signed"),
    ("declined", "Declined"),
    ("opened", "Opened"),
    ("sent", "Sent"),
    ("bounced", "Bounced"),
    ("queued", "Waiting to send"),
]
STATE_LABELS = dict(STATES)


def _recipient_state(recipient: CampaignRecipient, viewed: bool) -> str:
    agreement = recipient.agreement
    if agreement.status in (*IN_FORCE, AgreementStatus.EXPIRED):
        return "signed"
    if agreement.status == AgreementStatus.DECLINED:
        return "declined"
    if recipient.status == RecipientStatus.BOUNCED:
        return "bounced"
    if recipient.status == RecipientStatus.QUEUED:
        return "queued"
    if viewed or recipient.status == RecipientStatus.OPENED or recipient.opened_at:
        return "opened"
    return "sent"


def _client_state(states: Iterable[str]) -> str:
    """A client is as far as its furthest signer (two signers: one opened, one bounced -> opened)."""
    order = [key for key, _ in STATES]
    return min(states, key=order.index)


@dataclass(frozen=True)
class ClientInCampaign:
    client: Client
    agreement: Agreement
    state: str
    recipients: list[CampaignRecipient]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: its share (for the label) and where it sits (SVG x/width, no CSS)."""

    key: str
    label: str
    count: int
    percent: int
    x: str
    width: str


def stacked(parts: Sequence[tuple[str, str, int]], total: int) -> list[Segment]:
    segments, offset = [], 0.0
    for key, label, count in parts:
        share = 100 * count / total if total else 0.0
        segments.append(Segment(key, label, count, round(share), f"{offset:.3f}%", f"{share:.3f}%"))
        offset += share
    return segments


@dataclass(frozen=True)
class CampaignProgress:
    clients: int
    emails_sent: int
    counts: dict[str, int]
    rows: list[ClientInCampaign] = field(default_factory=list)

    def _share(self, number: int) -> int:
        return round(100 * number / self.clients) if self.clients else 0

    @property
    def signed_percent(self) -> int:
        return self._share(self.counts["signed"])

    @property
    def opened_or_further(self) -> int:
        return self.counts["opened"] + self.counts["signed"] + self.counts["declined"]

    @property
    def segments(self) -> list[Segment]:
        return stacked([(key, label, self.counts[key]) for key, label in STATES], self.clients)

    @property
    def is_sending(self) -> bool:
        return self.counts["queued"] > 0


def campaign_progress(campaign: Campaign) -> CampaignProgress:
    """Where each asked client stands (signed, declined, opened, sent, bounced, waiting), read from the
    agreements themselves, so a signature made in the portal shows at once."""
    recipients = list(
        campaign.recipients.select_related("client", "contact", "agreement").order_by("client__name", "pk")
    )
    viewed = set(
        Signature.objects.filter(
            agreement_id__in={r.agreement_id for r in recipients}, first_viewed_at__isnull=False
        ).values_list("agreement_id", "contact_id")
    )
    by_client: dict[int, list[CampaignRecipient]] = {}
    for recipient in recipients:
        recipient.state = _recipient_state(
            recipient, (recipient.agreement_id, recipient.contact_id) in viewed
        )
        recipient.state_label = STATE_LABELS[recipient.state]
        by_client.setdefault(recipient.client_id, []).append(recipient)
    rows = [
        ClientInCampaign(group[0].client, group[0].agreement, _client_state(r.state for r in group), group)
        for group in by_client.values()
    ]
    counts = Counter(row.state for row in rows)
    return CampaignProgress(
        clients=len(rows),
        emails_sent=sum(1 for r in recipients if r.sent_at),
        counts={key: counts.get(key, 0) for key, _ in STATES},
        rows=rows,
    )


@dataclass(frozen=True)
class Coverage:
    """The number one KPI: the share of all active clients with a signed service contract."""

    clients: int
    signed: int

    @property
    def percent(self) -> int:
        return round(100 * self.signed / self.clients) if self.clients else 0

    @property
    def unsigned(self) -> int:
        return self.clients - self.signed

    @property
    def segments(self) -> list[Segment]:
        parts = [("signed", "Signed", self.signed), ("unsigned", "Not signed", self.unsigned)]
        return stacked(parts, self.clients)


def coverage(*, on: date | None = None) -> Coverage:
    active = Client.objects.filter(archived_at__isnull=True)
    signed = active.filter(pk__in=clients_with_signed_contract(on=on).values("client_id")).count()
    return Coverage(clients=active.count(), signed=signed)


@dataclass(frozen=True)
class ContractBanner:
    """What staff see about a client's contract on the client page and its tickets."""

    state: str  # "basic_triage" | "grace" | "signed" | "unsigned"
    agreement: Agreement | None = None
    since: datetime | None = None
    grace_until: date | None = None
    reason: str = ""
    pending: Agreement | None = None
    plan_label: str = ""  # the membership the client holds today ("" without one)

    @property
    def is_restricted(self) -> bool:
        return self.state in ("basic_triage", "unsigned")


def client_contract_banner(client) -> ContractBanner:
    """The one answer to "what does this client's contract mean for service right now"."""
    terms = contract_terms(client)
    pending = (
        Agreement.objects.filter(client=client, parent__isnull=True, status__in=REUSABLE)
        .select_related("version")
        .order_by("-created_at")
        .first()
    )
    if terms.has_signed_contract:
        return ContractBanner(
            "signed", agreement=terms.agreement, pending=pending, plan_label=terms.plan.label
        )
    if terms.basic_triage_only:
        standing = ClientStanding.objects.get(client=client)
        return ContractBanner("basic_triage", since=standing.since, reason=standing.reason, pending=pending)
    if terms.grace_until is not None:
        return ContractBanner("grace", grace_until=terms.grace_until, pending=pending)
    return ContractBanner("unsigned", pending=pending)


def open_campaign_clients(client_ids: Iterable[int]) -> set[int]:
    """Which of these clients are asked by a campaign that is still open (for list badges)."""
    return set(
        CampaignRecipient.objects.filter(
            client_id__in=list(client_ids), campaign__status__in=(CampaignStatus.OPEN, CampaignStatus.SENDING)
        ).values_list("client_id", flat=True)
    )
