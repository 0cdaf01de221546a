"""TEMPORARY (branch `hooks` only): the registry half of the event bus, so webhooks can subscribe before
the real bus lands on main. Same ``subscribe`` signature as the bus being built in ``events/``; nothing
dispatches here. Replaced by main's ``events/bus.py`` when the bus is merged.
"""

from __future__ import annotations

from collections.abc import Callable

_subscriptions: dict[str, tuple[tuple[str, ...], Callable]] = {}


def subscribe(consumer: str, *patterns: str) -> Callable[[Callable], Callable]:
    def register(handler: Callable) -> Callable:
        _subscriptions[consumer] = (patterns, handler)
        return handler

    return register
