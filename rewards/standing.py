"""The anniversary and customer-of-the-month sections of a client's rewards pages (``rewards.sections``):
the streak ("Client for 3 years · next anniversary 14 Mar 2027 (year 4: $100.00 credit)") and the months
the client won, with its spotlight."""

from __future__ import annotations

from datetime import date

from rewards.anniversaries import anniversary_streak
from rewards.customer_of_the_month import spotlight_for_client, wins
from rewards.models import AnniversaryStep


def anniversary_section(client, on: date) -> dict | None:
    """None while the program is off (no step table) or before the client's first signature."""
    if not AnniversaryStep.objects.exists():
        return None
    streak = anniversary_streak(client, on=on)
    if streak is None:
        return None
    return {"client": client, "streak": streak}


def customer_of_the_month_section(client, on: date) -> dict | None:
    awards = wins(client)
    if not awards:
        return None
    return {"client": client, "awards": awards, "spotlight": spotlight_for_client(client)}
