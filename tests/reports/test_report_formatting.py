"""How the breach list words targets (business time) and lateness (real time)."""

import pytest

from reports.templatetags.report_tags import duration, lateness


@pytest.mark.parametrize(
    ("minutes", "text"), [(15, "15 min"), (60, "1 h"), (90, "1 h 30 min"), (960, "16 h")]
)
def test_targets_read_in_hours_and_minutes(minutes, text):
    assert duration(minutes) == text


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(40, "40 min"), (185, "3 h 5 min"), (1200, "20 h"), (3120, "2 d 4 h"), (17280, "12 d")],
)
def test_lateness_reads_in_days_once_past_a_day(minutes, text):
    assert lateness(minutes) == text
