"""Abuse limits of the client portal, counted in Redis (accounts/rate_limits.py; the numbers are in
``settings.ACCORD_RATE_LIMITS``):

- token probing: an address that presents too many tokens that open nothing (unknown or expired) gets a
  429 instead of the refusal page, until its window ends. A genuine link keeps working, even from that
  address: the lookup happens first, and only a failed one counts;
- requests per link: one link, whatever page it opens, is used at most so many times a minute;
- tickets opened from the portal: a burst cap and a daily cap per link and per client, and a stricter
  daily cap on urgent (P1) tickets per client, which start the tightest clocks and page the on-call staff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.rate_limits import Decision, hit, limit, peek
from portal.models import PortalLink
from service_levels.models import Priority
from service_levels.selectors import priority_for

BAD_TOKEN = "portal_bad_token"
LINK_REQUESTS = "portal_link_requests"
TICKET_BURST = "portal_ticket_burst"
TICKET_DAILY = "portal_ticket_daily"
URGENT_TICKET_DAILY = "portal_urgent_ticket_daily"


def is_probing(ip: str | None) -> Decision:
    """Whether ``ip`` already presented too many tokens that open nothing (does not count a try)."""
    return peek(limit(BAD_TOKEN), ip or "unknown")


def count_bad_token(ip: str | None) -> Decision:
    """Count one token that opened nothing; refused once the address is past its limit."""
    return hit(limit(BAD_TOKEN), ip or "unknown")


def count_link_request(link: PortalLink) -> Decision:
    return hit(limit(LINK_REQUESTS), str(link.pk))


class TicketCapReached(ValidationError):
    """The portal takes no more tickets from this link or client for now. ``retry_after`` is in seconds;
    ``open_again_at`` the moment it will (aware datetime)."""

    def __init__(self, message: str, *, retry_after: int, open_again_at: datetime, urgent_only: bool):
        super().__init__(message, code="ticket_cap")
        self.retry_after = retry_after
        self.open_again_at = open_again_at
        self.urgent_only = urgent_only


@dataclass(frozen=True)
class _Cap:
    name: str
    subject: tuple[str, ...]


def _caps(link: PortalLink, *, urgent: bool) -> list[_Cap]:
    by_link = ("link", str(link.pk))
    by_client = ("client", str(link.tenant_id), str(link.contact.client_id))
    caps = [_Cap(name, subject) for name in (TICKET_BURST, TICKET_DAILY) for subject in (by_link, by_client)]
    if urgent:
        caps.append(_Cap(URGENT_TICKET_DAILY, by_client))
    return caps


def is_urgent(impact: str, urgency: str) -> bool:
    return priority_for(impact, urgency) == Priority.P1


def take_ticket_slot(link: PortalLink, *, impact: str, urgency: str) -> None:
    """Count one ticket opened through ``link``, or raise TicketCapReached (nothing counted) when a cap
    is reached. Checked first without counting, so a person who is refused does not dig the hole deeper;
    then counted atomically, so a script firing many requests at once cannot slip past either."""
    urgent = is_urgent(impact, urgency)
    caps = _caps(link, urgent=urgent)
    refused = [(cap, peek(limit(cap.name), *cap.subject)) for cap in caps]
    refused = [(cap, decision) for cap, decision in refused if not decision.allowed]
    if not refused:
        counted = [(cap, hit(limit(cap.name), *cap.subject)) for cap in caps]
        refused = [(cap, decision) for cap, decision in counted if not decision.allowed]
    if refused:
        raise _cap_reached(link, refused)


def _cap_reached(link: PortalLink, refused: list[tuple[_Cap, Decision]]) -> TicketCapReached:
    retry_after = max(decision.retry_after for _, decision in refused)
    urgent_only = all(cap.name == URGENT_TICKET_DAILY for cap, _ in refused)
    open_again_at = timezone.now() + timedelta(seconds=retry_after)
    tenant = link.tenant
    when = _when(open_again_at, tenant.timezone)
    reach = f"phone {tenant.name}" + (f" or email {tenant.reply_to_email}" if tenant.reply_to_email else "")
    if urgent_only:
        message = (
            f"You've already sent the most urgent tickets we take through this page today. If this is an "
            f"emergency, {reach} now. You can send it as less urgent here, or as urgent again {when}."
        )
    else:
        message = (
            f"You've sent the most tickets we take through this page for now. If it's urgent, {reach}. "
            f"You can open tickets here again {when}; what you typed is still below."
        )
    return TicketCapReached(message, retry_after=retry_after, open_again_at=open_again_at,
                            urgent_only=urgent_only)  # fmt: skip


def _when(moment: datetime, tz_name: str) -> str:
    local = moment.astimezone(ZoneInfo(tz_name or "UTC"))
    today = timezone.now().astimezone(local.tzinfo).date()
    time_text = local.strftime("%H:%M")
    if local.date() == today:
        return f"from {time_text} ({local.tzname()})"
    if local.date() == today + timedelta(days=1):
        return f"from tomorrow at {time_text} ({local.tzname()})"
    return f"from {local.strftime('%b %d')} at {time_text} ({local.tzname()})"


VERIFY_PER_USER = "verify_per_user"
VERIFY_PER_IP = "verify_per_ip"


def count_verify(*, user_id: int | None, ip: str | None) -> Decision | None:
    """Count one check on the verify page (hashing a PDF and validating its seal cost CPU); the refusing
    decision when the user or the address is past its limit, else None."""
    decisions = [hit(limit(VERIFY_PER_IP), ip or "unknown")]
    if user_id is not None:
        decisions.append(hit(limit(VERIFY_PER_USER), str(user_id)))
    refused = [decision for decision in decisions if not decision.allowed]
    return max(refused, key=lambda decision: decision.retry_after) if refused else None


ATTACHMENT_UPLOADS = "portal_attachment_uploads"


class UploadCapReached(ValidationError):
    """The portal takes no more files from this link for now; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message, code="upload_cap")
        self.retry_after = retry_after


def take_upload_slots(link: PortalLink, *, files: int) -> None:
    """Count ``files`` files uploaded through ``link`` (and its client), or raise UploadCapReached with
    nothing counted: a phone sends a few photos, a script filling the disk is stopped."""
    subjects = [("link", str(link.pk)), ("client", str(link.tenant_id), str(link.contact.client_id))]
    rate = limit(ATTACHMENT_UPLOADS)
    for subject in subjects:
        decision = peek(rate, *subject)
        if decision.count + files > rate.count:
            when = _when(timezone.now() + timedelta(seconds=decision.retry_after), link.tenant.timezone)
            raise UploadCapReached(
                f"You've sent the most files we take through this page for now ({rate.describe()}). "
                f"You can add more {when}, or reply to the email this link came in with them attached.",
                retry_after=decision.retry_after,
            )
    for subject in subjects:
        for _ in range(files):
            hit(rate, *subject)
