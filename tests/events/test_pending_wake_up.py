"""Waking the dispatcher unless a wake-up is already queued: the SLA sweeper commits events every two
seconds, and one queued wake-up whose pass has not started yet will see all of them."""

import pytest
from django.core.cache.backends.redis import RedisCache

from events import services
from events.services import wake_dispatcher_after_commit
from events.tasks import dispatch_events
from tenants.scope import cross_tenant

# Each commit is a real one, as the sweeper's are: on-commit callbacks run at each.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch):
    """The wake-ups published to the broker (each one succeeds unless the test says otherwise)."""
    published = []

    def publish():
        published.append("wake-up")
        return True

    monkeypatch.setattr(services, "_wake_dispatcher", publish)
    return published


def commit_events(*, unless_pending=True):
    with cross_tenant("a commit that recorded events"):
        wake_dispatcher_after_commit(unless_pending=unless_pending)


def test_commits_while_a_wake_up_is_queued_publish_no_second_one(sent):
    for _ in range(3):
        commit_events()
    assert sent == ["wake-up"]


def test_the_next_commit_wakes_the_dispatcher_again_once_its_pass_has_started(sent):
    commit_events()
    dispatch_events()  # the queued wake-up is picked up: its pass may claim before the next commit
    commit_events()
    assert sent == ["wake-up", "wake-up"]


def test_a_wake_up_the_broker_refused_is_tried_again_by_the_next_commit(monkeypatch):
    attempts = []
    monkeypatch.setattr(services, "_wake_dispatcher", lambda: attempts.append("refused") and False)
    commit_events()
    commit_events()
    assert attempts == ["refused", "refused"]


def test_a_commit_without_the_option_always_wakes_the_dispatcher(sent):
    commit_events()
    commit_events(unless_pending=False)
    assert sent == ["wake-up", "wake-up"]


def test_without_redis_the_wake_up_is_still_published(sent, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(RedisCache, "add", unreachable)
    commit_events()
    assert sent == ["wake-up"]
