"""Who listens to which events: the registry the outbox fans out to.

An app reacts to another app's events by subscribing a handler in its own ``handlers`` module, which its
``AppConfig.ready()`` imports::

    @subscribe("tickets.retarget", "client.terms_changed")
    def retarget_open_tickets_of_client(event, *, now): ...

The consumer name (``tickets.retarget``) is the key of its delivery state: renaming it orphans the
pending rows of the old name. Patterns are exact names or a prefix ending in ``.*`` (``agreement.*``).

A handler is called as ``handler(event, now=...)`` (``now`` is the dispatcher's pass time, so tests pass
time in). It runs once per event for its consumer, inside ``tenant_scope`` of the event's tenant and in
the same transaction that marks the delivery done. Raising retries it later with backoff. Handlers must not
assume an order between consumers, only that each event reaches each of them.

``wanted_where``: a consumer whose handler does nothing for many events (webhooks, for a tenant without
an endpoint) may say when it has something to do, as a SQL condition on the event (``outbox.tenant_id``,
``outbox.name``). For the events written from SQL (``events.services.OUTBOX_CTE``, the SLA sweeper's), the
dispatcher then makes no delivery for it where the condition is false (``create_pending_deliveries``): a
row, its indexes and its foreign-key check fewer per event. The condition is read in the dispatcher's
snapshot, once, so it must only be false where handling the event later would do nothing either, whatever
commits in between that the consumer's own semantics do not already exclude.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    from events.models import OutboxEvent


class Handler(Protocol):
    __qualname__: str

    def __call__(self, event: OutboxEvent, *, now: datetime) -> None: ...


@dataclass(frozen=True)
class Subscription:
    consumer: str
    patterns: tuple[str, ...]
    handler: Handler
    wanted_where: str = ""

    def wants(self, name: str) -> bool:
        return any(
            name == pattern or (pattern.endswith(".*") and name.startswith(pattern[:-1]))
            for pattern in self.patterns
        )


_subscriptions: dict[str, Subscription] = {}


def subscribe(consumer: str, *patterns: str, wanted_where: str = "") -> Callable[[Handler], Handler]:
    """Register ``handler`` as ``consumer`` for events matching ``patterns`` (and ``wanted_where``: above)."""
    if not patterns:
        raise ValueError(f"{consumer} subscribes to nothing: name at least one event or prefix")
    for pattern in patterns:
        if "*" in pattern and not pattern.endswith(".*"):
            raise ValueError(f"{pattern!r}: a wildcard may only end a prefix, as in 'agreement.*'")

    def register(handler: Handler) -> Handler:
        existing = _subscriptions.get(consumer)
        if existing and existing.handler.__qualname__ != handler.__qualname__:
            raise ValueError(f"The consumer name {consumer!r} is taken by {existing.handler.__qualname__}")
        _subscriptions[consumer] = Subscription(consumer, tuple(patterns), handler, wanted_where)
        return handler

    return register


def consumers_for(name: str) -> list[str]:
    return [sub.consumer for sub in _subscriptions.values() if sub.wants(name)]


def subscription(consumer: str) -> Subscription | None:
    return _subscriptions.get(consumer)


def subscriptions() -> list[Subscription]:
    return list(_subscriptions.values())
