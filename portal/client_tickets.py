"""Tickets as a client sees them through a tickets link: their client's tickets only, public replies
only, statuses and promises in plain words. Writes go through tickets.services, with the link's contact
as the author, so the history and the SLA clocks behave exactly as for a ticket opened by staff.

Call everything inside the link's tenant (portal/views.py ``portal_page`` does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Max, Q, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404

from accounts.actors import actor_label
from clients.models import Site
from contracts.selectors import contract_terms
from portal.models import TICKETS_PURPOSES, PortalLink
from portal.throttles import take_ticket_slot, take_upload_slots
from service_levels.models import Metric
from service_levels.selectors import active_issue_types
from tickets import attachments, services
from tickets.models import OPEN_STATUSES, Channel, ClockState, Reply, Ticket, TicketAttachment, TicketStatus

CLOSED_SHOWN = 50

# Status in the client's words; the page adds its colour (portal.templatetags.portal_badges).
STATUS_WORDS = {
    TicketStatus.NEW: "Received",
    TicketStatus.ACKNOWLEDGED: "Received",
    TicketStatus.IN_PROGRESS: "Being worked on",
    TicketStatus.WAITING_ON_CLIENT: "Waiting for you",
    TicketStatus.SCHEDULED: "Visit scheduled",
    TicketStatus.RESOLVED: "Fixed: please confirm",
    TicketStatus.CLOSED: "Closed",
    TicketStatus.REOPENED: "Reopened",
}

# What each clock promises, as a sentence start.
PROMISE_WORDS = {
    Metric.FIRST_RESPONSE: "We'll reply by",
    Metric.ONSITE: "A technician will be with you by",
    Metric.RESOLUTION: "We aim to have it fixed by",
}


def with_status_words(tickets):
    for ticket in tickets:
        ticket.status_word = STATUS_WORDS.get(ticket.status, ticket.get_status_display())
    return tickets


# --- Reads ------------------------------------------------------------------------------------------


def client_tickets(link: PortalLink) -> list[Ticket]:
    """The link's client's tickets: open ones first, then the latest closed; each newest activity first
    (a public reply counts as activity; an internal note does not)."""
    last_public = Max("replies__created_at", filter=Q(replies__is_public=True))
    tickets = (
        Ticket.objects.filter(client_id=link.contact.client_id)
        .annotate(
            last_update=Greatest("updated_at", Coalesce(last_public, "updated_at")),
            is_open_rank=Case(
                When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("is_open_rank", "-last_update", "-number")
    )
    open_tickets = list(tickets.filter(status__in=OPEN_STATUSES))
    closed = list(tickets.exclude(status__in=OPEN_STATUSES)[:CLOSED_SHOWN])
    return with_status_words(open_tickets + closed)


def client_ticket(link: PortalLink, pk: int) -> Ticket:
    """One of the link's client's tickets; Http404 for any other (another client's, another tenant's)."""
    ticket = (
        Ticket.objects.select_related("site", "issue_type", "contact")
        .filter(pk=pk, client_id=link.contact.client_id)
        .first()
    )
    if ticket is None:
        raise Http404("No such ticket for this client.")
    return with_status_words([ticket])[0]


def public_replies(ticket: Ticket) -> list[Reply]:
    """The conversation the client may read: public replies only, never internal notes."""
    return list(ticket.replies.filter(is_public=True).select_related("author", "author_contact"))


def client_sites(link: PortalLink):
    return Site.objects.filter(client_id=link.contact.client_id, archived_at__isnull=True)


def issue_types():
    return active_issue_types().order_by("name")


@dataclass(frozen=True)
class PromiseLine:
    metric: str
    words: str
    due_at: datetime
    paused: bool


@dataclass(frozen=True)
class Promise:
    """What the client can count on for one ticket: the due time of each live clock, and whether the
    client has a signed service contract (without one, only basic triage applies)."""

    lines: list[PromiseLine]
    has_signed_contract: bool
    grace_until: date | None
    on_hold: bool = False  # clocks paused (waiting on the client): they run again when the client replies

    @property
    def basic_triage(self) -> bool:
        return not self.has_signed_contract and self.grace_until is None


def promise_for(ticket: Ticket) -> Promise:
    order = {metric.value: index for index, metric in enumerate(Metric)}
    clocks = sorted(
        ticket.clocks.exclude(state=ClockState.STOPPED).exclude(due_at__isnull=True),
        key=lambda clock: order.get(clock.metric, len(order)),
    )
    terms = contract_terms(ticket.client)
    return Promise(
        lines=[
            PromiseLine(
                metric=clock.metric,
                words=PROMISE_WORDS.get(clock.metric, f"{clock.get_metric_display()} by"),
                due_at=clock.due_at,
                paused=clock.state == ClockState.PAUSED,
            )
            for clock in clocks
        ],
        has_signed_contract=terms.has_signed_contract,
        grace_until=terms.grace_until,
        on_hold=ticket.clocks.filter(state=ClockState.PAUSED).exists(),
    )


# --- Writes -----------------------------------------------------------------------------------------


def _check(link: PortalLink) -> None:
    if link.purpose not in TICKETS_PURPOSES:
        raise ValidationError("This link is not for tickets.")


def open_from_portal(link: PortalLink, *, title: str, description: str = "", site=None, issue_type=None,
                     impact: str = "medium", urgency: str = "medium") -> Ticket:  # fmt: skip
    """Open a ticket for the link's client, by the link's contact, on the portal channel (clocks start
    from the client's effective SLA; ``ticket.created`` is recorded by the service). Raises
    ``portal.throttles.TicketCapReached`` past the portal's caps (nothing is opened)."""
    _check(link)
    # Capped per link and per client, urgent ones more strictly (raises TicketCapReached).
    take_ticket_slot(link, impact=impact, urgency=urgency)
    return services.open_ticket(
        client=link.contact.client, contact=link.contact, title=title, description=description,
        site=site, issue_type=issue_type, impact=impact, urgency=urgency, channel=Channel.PORTAL,
        actor=actor_label(contact=link.contact),
    )  # fmt: skip


def reply_from_portal(link: PortalLink, ticket: Ticket, *, body: str) -> Reply:
    """A public reply by the link's contact (a ticket waiting on the client goes back to in progress)."""
    _check(link)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError("This ticket is closed. Open a new one if something is still wrong.")
    return services.add_reply(ticket, body=body, author_contact=link.contact, is_public=True)


def attach_from_portal(link: PortalLink, ticket: Ticket, *, uploads) -> list[TicketAttachment]:
    """Files from the link's contact on one of its client's tickets (shown to both sides). Checked before
    anything is counted or stored (tickets.attachments); raises portal.throttles.UploadCapReached past the
    portal's upload cap."""
    _check(link)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError({"files": "This ticket is closed. Open a new one if something is still wrong."})
    uploads = list(uploads)
    attachments.check_files(uploads)  # a refused file does not use up the client's allowance
    take_upload_slots(link, files=len(uploads))
    return attachments.add_attachments(ticket, uploads=uploads, contact=link.contact)


def ticket_attachment(link: PortalLink, ticket: Ticket, pk: int) -> TicketAttachment:
    """A file the client may see on one of its tickets; Http404 for any other (internal, another
    ticket's)."""
    found = TicketAttachment.objects.filter(ticket=ticket, is_public=True, pk=pk).first()
    if found is None:
        raise Http404("No such file.")
    return found


def confirm_fixed(link: PortalLink, ticket: Ticket) -> Ticket:
    """The client confirms a resolved ticket is fixed: it is closed."""
    _check(link)
    if ticket.status != TicketStatus.RESOLVED:
        raise ValidationError("Only a ticket marked fixed can be confirmed.")
    return services.change_status(ticket, TicketStatus.CLOSED, actor=actor_label(contact=link.contact))


def not_fixed(link: PortalLink, ticket: Ticket, *, body: str = "") -> Ticket:
    """The client says a resolved ticket is not fixed: it is reopened (resolution runs again), with their
    words as a public reply when they gave some."""
    _check(link)
    if ticket.status != TicketStatus.RESOLVED:
        raise ValidationError("Only a ticket marked fixed can be reopened here.")
    if body.strip():
        services.add_reply(ticket, body=body, author_contact=link.contact, is_public=True)
    return services.change_status(ticket, TicketStatus.REOPENED, actor=actor_label(contact=link.contact))
