"""A bounded, thread-safe least-recently-used cache of built values, one entry per key and version.

The SLA pages and services ask for the engine calendar of a ``BusinessCalendar`` row many times per
request (every clock on a board); building one reads its closures and public holidays and costs a few
milliseconds. ``VersionedLru`` keeps the most recently used ones: a hit moves the entry to the young end,
a miss past ``maxsize`` evicts the oldest, so a thousand tenants' calendars stay warm instead of the
whole cache being dropped whenever it fills.

Each key holds one version (for a calendar: its id, and its ``updated_at``, which every edit of its
hours or closures bumps). Asking with a newer version rebuilds and replaces the entry, so an edited
calendar never serves a stale build; asking with an older version (a row read before the edit) gets a
build of its own that is not cached, so it cannot push the newer one out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

Value = TypeVar("Value")


class VersionedLru(Generic[Value]):
    def __init__(self, maxsize: int) -> None:
        if maxsize < 1:
            raise ValueError(f"the cache must hold at least one entry, got maxsize={maxsize}")
        self.maxsize = maxsize
        self._entries: OrderedDict[Hashable, tuple[Any, Value]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable, version: Any, build: Callable[[], Value]) -> Value:
        """The value of ``key`` at ``version``, built by ``build()`` on a miss (outside the lock: a slow
        build does not hold up other threads; two threads missing at once both build, the last one's
        value is kept)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            self.misses += 1
        value = build()
        with self._lock:
            current = self._entries.get(key)
            if current is not None and _is_older(version, current[0]):
                return value  # an old row's view: served, not cached over the newer build
            self._entries[key] = (version, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.maxsize:
                self._entries.popitem(last=False)
        return value

    def keys(self) -> list[Hashable]:
        """The cached keys, least recently used first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


def _is_older(version: Any, than: Any) -> bool:
    try:
        return version < than
    except TypeError:  # versions that do not order (None beside a datetime): the newest ask wins
        return False
