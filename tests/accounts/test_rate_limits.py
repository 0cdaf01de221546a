import time_machine

from accounts import rate_limits
from accounts.rate_limits import Limit

THREE_PER_MINUTE = Limit(name="example", count=3, period_seconds=60)


def test_hits_within_the_limit_are_allowed_and_the_next_one_is_refused():
    decisions = [rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9") for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].count == 4


def test_a_refusal_says_how_long_until_the_window_resets():
    with time_machine.travel("2026-12-06 10:00:45Z", tick=False):
        for _ in range(4):
            decision = rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9")

    assert decision.retry_after == 15


def test_the_count_starts_again_in_the_next_window():
    with time_machine.travel("2026-12-06 10:00:00Z", tick=False) as traveller:
        for _ in range(4):
            rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9")
        traveller.shift(60)

        assert rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9").allowed


def test_subjects_are_counted_apart():
    for _ in range(3):
        rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9")

    assert rate_limits.hit(THREE_PER_MINUTE, "198.51.100.7").allowed
    assert not rate_limits.hit(THREE_PER_MINUTE, "203.0.113.9").allowed


def test_peek_does_not_count_an_attempt():
    for _ in range(2):
        rate_limits.hit(THREE_PER_MINUTE, "dana@example.com")

    assert rate_limits.peek(THREE_PER_MINUTE, "dana@example.com").allowed
    assert rate_limits.peek(THREE_PER_MINUTE, "dana@example.com").count == 2
    rate_limits.hit(THREE_PER_MINUTE, "dana@example.com")
    assert not rate_limits.peek(THREE_PER_MINUTE, "dana@example.com").allowed


def test_reset_forgets_the_attempts():
    for _ in range(4):
        rate_limits.hit(THREE_PER_MINUTE, "dana@example.com")

    rate_limits.reset(THREE_PER_MINUTE, "dana@example.com")

    assert rate_limits.hit(THREE_PER_MINUTE, "dana@example.com").allowed


def test_subjects_with_odd_characters_are_counted_safely():
    odd = "\ud800 \x00 key:with:colons"

    assert rate_limits.hit(THREE_PER_MINUTE, odd).allowed


def test_a_limit_describes_itself_for_messages():
    assert Limit("x", 5, 3600).describe() == "5 per hour"
    assert Limit("x", 20, 86400).describe() == "20 per day"
    assert Limit("x", 2, 90).describe() == "2 per 90 seconds"


def test_configured_limits_are_read_from_settings(settings):
    settings.ACCORD_RATE_LIMITS = {"portal_tickets_per_client": (20, 86400)}

    assert rate_limits.limit("portal_tickets_per_client") == Limit("portal_tickets_per_client", 20, 86400)
