"""The SLA engine's old address, kept so ``from contracts.sla import BusinessCalendar`` works everywhere it
is written down. The engine itself is ``service_levels/engine.py``: service levels need it and sit below
contracts, so it lives there."""

from service_levels.engine import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_SPAN_YEARS,
    SEARCH_HORIZON_YEARS,
    BusinessCalendar,
    check_supported,
)

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_SPAN_YEARS",
    "SEARCH_HORIZON_YEARS",
    "BusinessCalendar",
    "check_supported",
]
