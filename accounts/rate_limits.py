"""Rate limits counted in the cache (Redis), shared by every web process.

A limit allows ``count`` hits per ``period_seconds`` for one subject (an IP address, an email, a
portal link...). Counting uses fixed windows: one ``INCR`` per hit, the key expiring with its window,
so a burst of ``2 * count`` can straddle a boundary, which is acceptable for abuse limits. Subjects
are hashed into the key, so user input (emails, tokens) never becomes a Redis key as typed.

The limits themselves live in ``settings.ACCORD_RATE_LIMITS`` as ``name: (count, period_seconds)``.
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    period_seconds: int

    def describe(self) -> str:
        """'5 per hour', for error messages and docs."""
        units = {86400: "day", 3600: "hour", 60: "minute", 1: "second"}
        unit = units.get(self.period_seconds)
        return f"{self.count} per {unit}" if unit else f"{self.count} per {self.period_seconds} seconds"


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    retry_after: int
    """Seconds until the window resets; what a 429's ``Retry-After`` says."""


def limit(name: str) -> Limit:
    """The configured limit called ``name`` (a KeyError names a limit missing from settings)."""
    count, period_seconds = settings.ACCORD_RATE_LIMITS[name]
    return Limit(name=name, count=int(count), period_seconds=int(period_seconds))


def hit(rate: Limit, *subject: str) -> Decision:
    """Count one attempt by ``subject`` against ``rate``; refused once past the limit in this window."""
    key, retry_after = _window_key(rate, subject)
    # add() is a no-op when the key exists, so concurrent first hits all land on the same counter.
    cache.add(key, 0, timeout=rate.period_seconds + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr(): start the window again
        cache.add(key, 1, timeout=rate.period_seconds + 1)
        count = 1
    return Decision(allowed=count <= rate.count, count=count, retry_after=retry_after)


def peek(rate: Limit, *subject: str) -> Decision:
    """Whether ``subject`` is still within ``rate``, without counting an attempt."""
    key, retry_after = _window_key(rate, subject)
    count = cache.get(key, 0)
    return Decision(allowed=count < rate.count, count=count, retry_after=retry_after)


def reset(rate: Limit, *subject: str) -> None:
    """Forget ``subject``'s attempts in the current window (e.g. after an owner's unlock)."""
    key, _ = _window_key(rate, subject)
    cache.delete(key)


def _window_key(rate: Limit, subject: tuple[str, ...]) -> tuple[str, int]:
    now = int(time.time())
    window = now // rate.period_seconds
    digest = hashlib.sha256("\x1f".join(subject).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    retry_after = max(1, (window + 1) * rate.period_seconds - now)
    return f"rate:{rate.name}:{digest}:{window}", retry_after
