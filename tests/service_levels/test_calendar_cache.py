"""The engine-calendar cache: least recently used out first, one version per calendar, thread-safe."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from service_levels import selectors
from service_levels.calendar_cache import VersionedLru
from service_levels.services import PRESETS, add_closure, update_calendar
from tenants.scope import tenant_scope
from tests.factories import CalendarFactory


def built(log: list, value):
    def build():
        log.append(value)
        return value

    return build


def test_a_full_cache_evicts_the_least_recently_used_entry_not_everything():
    cache, log = VersionedLru(3), []
    for key in "abc":
        cache.get(key, 1, built(log, key))
    cache.get("a", 1, built(log, "a again"))  # a hit: "a" becomes the most recent
    cache.get("d", 1, built(log, "d"))
    assert cache.keys() == ["c", "a", "d"]  # "b", least recently used, went
    assert log == ["a", "b", "c", "d"]  # "a" was served from the cache
    cache.get("b", 1, built(log, "b rebuilt"))
    assert cache.keys() == ["a", "d", "b"]
    assert (cache.hits, cache.misses) == (1, 5)


def test_a_newer_version_replaces_the_entry_and_an_older_one_is_served_but_not_cached():
    cache, log = VersionedLru(2), []
    assert cache.get("calendar", 1, built(log, "v1")) == "v1"
    assert cache.get("calendar", 2, built(log, "v2")) == "v2"  # edited: never the stale build
    assert cache.get("calendar", 1, built(log, "v1 again")) == "v1 again"  # an old row's own view
    assert cache.get("calendar", 2, built(log, "v2 again")) == "v2"  # the newer build stayed
    assert len(cache) == 1


def test_the_cache_refuses_to_hold_nothing():
    with pytest.raises(ValueError, match="at least one entry"):
        VersionedLru(0)


def test_threads_sharing_the_cache_keep_it_bounded_and_get_their_own_keys_values():
    cache, errors = VersionedLru(50), []

    def work(offset: int):
        try:
            for round_ in range(300):
                key = (offset * 7 + round_) % 120
                value = cache.get(key, 1, lambda key=key: ("built", key))
                assert value == ("built", key)
        except AssertionError as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 50 == len(set(cache.keys()))


@pytest.mark.django_db
def test_an_edited_calendar_or_a_new_closure_is_never_served_from_the_cache_stale(tenant):
    monday_9am = datetime(2026, 11, 16, 14, 0, tzinfo=UTC)  # 09:00 in New York
    with tenant_scope(tenant):
        calendar = CalendarFactory(
            tenant=tenant, name="Office", timezone="America/New_York", weekly_hours=PRESETS["office_hours"]
        )
        assert selectors.engine_calendar(calendar).is_open(monday_9am)
        assert selectors.engine_calendar(calendar) is selectors.engine_calendar(calendar)  # cached
        add_closure(calendar=calendar, day=date(2026, 11, 16), reason="Move")
        assert not selectors.engine_calendar(calendar).is_open(monday_9am)
        update_calendar(calendar, timezone="UTC")
        engine_calendar = selectors.engine_calendar(calendar)
        assert engine_calendar.timezone == "UTC"
        assert not engine_calendar.is_open(monday_9am)  # the closure still counts
        assert engine_calendar.is_open(monday_9am + timedelta(days=1))
