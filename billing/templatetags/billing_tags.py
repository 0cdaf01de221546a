"""How invoices look on pages, PDFs and emails: money with its sign, billing periods, and the badge of
where an invoice stands (colour next to the word, never alone). Presentation stays here, out of
billing.selectors."""

from datetime import date, timedelta
from decimal import Decimal

from django import template

from billing.selectors import STANDING_LABELS
from contracts.documents import money as plain_money

register = template.Library()

STANDING_BADGES = {
    "paid": "text-bg-success",
    "due": "text-bg-primary",
    "partly_paid": "text-bg-info",
    "overdue": "text-bg-danger",
    "disputed": "text-bg-warning",
    "void": "text-bg-light border",
    "draft": "text-bg-secondary",
}


@register.filter
def money(amount, currency: str) -> str:
    """``-12.5|money:"USD"`` -> "−$12.50": the minus sign before the symbol."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount)
    return f"−{plain_money(-amount, currency)}" if amount < 0 else plain_money(amount, currency)


@register.filter
def standing_badge(standing: str) -> str:
    """The staff badge class of ``billing.selectors.standing``."""
    return STANDING_BADGES.get(standing, "text-bg-secondary")


@register.filter
def standing_label(standing: str) -> str:
    return STANDING_LABELS.get(standing, standing)


@register.simple_tag
def period(start: date | None, end: date | None) -> str:
    """A billing period ``[start, end)`` as the days it covers: "1 – 30 Nov 2026", "15 Nov – 14 Dec 2026",
    "1 Dec 2026 – 30 Nov 2027"; one day alone when it is one day."""
    if start is None or end is None:
        return ""
    last = end - timedelta(days=1)
    if last <= start:
        return f"{start.day} {start:%b %Y}"
    if start.year != last.year:
        return f"{start.day} {start:%b %Y} – {last.day} {last:%b %Y}"
    if start.month != last.month:
        return f"{start.day} {start:%b} – {last.day} {last:%b %Y}"
    return f"{start.day} – {last.day} {last:%b %Y}"


@register.filter
def absolute(amount):
    return abs(Decimal(amount)) if amount not in (None, "") else amount
