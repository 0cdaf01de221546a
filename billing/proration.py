"""Proration (pure: no database). Other checks call ``prorate`` by this name; keep its contract."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def prorate(amount: Decimal, period_start: date, period_end: date, on: date) -> Decimal:
    """The part of ``amount`` (the price of ``[period_start, period_end)``) left from ``on`` to the
    period's end: amount x days(on -> period_end) / days(period_start -> period_end), days counted
    end-exclusive, rounded half-up to the cent.

    Raises TypeError when ``amount`` is not a Decimal (a float has already lost cents), and ValueError
    when the period is empty or backwards or ``on`` is outside ``[period_start, period_end]``.
    """
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    for name, value in (("period_start", period_start), ("period_end", period_end), ("on", on)):
        if not isinstance(value, date):
            raise TypeError(f"{name} must be a date, not {type(value).__name__}")
    if period_end <= period_start:
        raise ValueError(f"The period must end after it starts ({period_start} to {period_end}).")
    if not period_start <= on <= period_end:
        raise ValueError(f"{on} is outside the period {period_start} to {period_end}.")
    remaining = (period_end - on).days
    total = (period_end - period_start).days
    return (amount * remaining / total).quantize(CENT, rounding=ROUND_HALF_UP)
