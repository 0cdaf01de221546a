import pytest

from events import bus
from tenants.scope import current_tenant


@pytest.fixture
def consumers():
    """Subscribe test handlers for the length of a test; each records what it saw."""
    added: list[str] = []
    seen: dict[str, list] = {}

    def add(consumer, *patterns, fail_times=0, handler=None, wanted_where=""):
        failures = {"left": fail_times}

        def handle(event, *, now):
            if failures["left"]:
                failures["left"] -= 1
                raise RuntimeError("receiver is down")
            seen.setdefault(consumer, []).append((event.name, event.payload, current_tenant().pk, now))
            if handler:
                handler(event)

        handle.__qualname__ = f"test_handler_{consumer}"
        bus.subscribe(consumer, *patterns, wanted_where=wanted_where)(handle)
        added.append(consumer)
        return seen.setdefault(consumer, [])

    yield add
    for consumer in added:
        bus._subscriptions.pop(consumer, None)
