"""Amounts of money as people read them, in the tenant's currency (pure: no database)."""

from __future__ import annotations

from decimal import Decimal

CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$", "AUD": "A$", "EUR": "€", "GBP": "£"}


def money(amount: Decimal | int | float, currency: str) -> str:
    """$1,234.50, or 1,234.50 CHF for a currency without a symbol of its own here."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    text = f"{Decimal(amount):,.2f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"
