"""MRR movements (acceptance 1 of issue 13): each kind of move pinned with exact amounts on a constructed
history, on the pure arithmetic (reports.mrr) and on real memberships changed through their services
(reports.revenue); the movements always add up to the change in MRR."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memberships import services as memberships
from memberships.models import Subscription
from reports import mrr, revenue
from reports.mrr import Span
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, PlanFactory, give_membership

D = Decimal
TODAY = date(2026, 4, 10)
# Opening at the end of Nov 2025, then Dec, Jan, Feb, Mar and April to date.
DAYS = mrr.snapshot_days(TODAY, 6)


def test_mrr_is_read_at_each_month_end_and_today_for_the_current_month():
    month_ends = [
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]
    assert [*month_ends, TODAY] == DAYS


def test_on_the_last_day_of_a_month_the_current_month_is_still_to_date():
    days = mrr.snapshot_days(date(2026, 12, 31), 4)
    october, november, december = mrr.movements(mrr.cents_series({}, days), days=days, paid_before=set())
    assert days[-1] == date(2026, 12, 31) == december.as_of
    assert december.to_date  # the day is not over: MRR can still move
    assert [october.to_date, november.to_date] == [False, False]


HISTORY = {
    # new on 15 Jan: counts from the January month end, at its whole monthly value
    "new": [Span(date(2026, 1, 15), None, D("179.00"))],
    # Silver since 2025, Gold from 10 Feb (an upgrade in the middle of a month)
    "upgrade": [
        Span(date(2025, 6, 1), date(2026, 2, 10), D("59.00")),
        Span(date(2026, 2, 10), None, D("179.00")),
    ],
    # Platinum, then Gold from 1 March (a downgrade at the period end)
    "downgrade": [
        Span(date(2025, 6, 1), date(2026, 3, 1), D("399.00")),
        Span(date(2026, 3, 1), None, D("179.00")),
    ],
    # Gold, cancelled: the first day without is 20 February
    "churn": [Span(date(2025, 6, 1), date(2026, 2, 20), D("179.00"))],
    # paid until 10 December, back on 5 March with a rider
    "comeback": [
        Span(date(2025, 9, 1), date(2025, 12, 10), D("59.00")),
        Span(date(2026, 3, 5), None, D("108.00")),
    ],
    # Gold on annual billing (1,790.00 a year) from 1 February: a twelfth every month
    "annual": [Span(date(2026, 2, 1), None, (D("1790.00") / 12).quantize(D("0.01")))],
    # started and stopped between two month ends: never at a month end, so never counted
    "blink": [Span(date(2026, 1, 3), date(2026, 1, 20), D("59.00"))],
}


def report():
    series = mrr.cents_series(HISTORY, DAYS)
    return mrr.movements(series, days=DAYS, paid_before=mrr.paid_at_a_month_end_before(HISTORY, DAYS[0]))


def moves(row):
    return {kind: amount for kind, amount in row.amounts.items() if amount}


def test_each_kind_of_move_lands_in_its_month_with_its_exact_amount():
    december, january, february, march, april = report()
    assert (december.opening, december.closing) == (D("696.00"), D("637.00"))
    assert moves(december) == {"churned": D("-59.00")}  # the comeback client leaves
    assert moves(january) == {"new": D("179.00")}  # the blink never shows
    assert moves(february) == {"new": D("149.17"), "expansion": D("120.00"), "churned": D("-179.00")}
    assert moves(march) == {"contraction": D("-220.00"), "reactivated": D("108.00")}
    assert moves(april) == {}
    assert april.to_date
    assert not march.to_date
    assert (march.closing, april.closing) == (D("794.17"), D("794.17"))


def test_movements_count_the_clients_and_logo_churn_is_of_those_paying_at_the_start():
    december, _, february, march, _ = report()
    assert (december.paying_at_start, december.churned_clients, december.logo_churn) == (4, 1, 25.0)
    assert (february.new_clients, february.expansion_clients, february.churned_clients) == (1, 1, 1)
    assert february.logo_churn == 25.0  # 1 of the 4 paying at the end of January
    assert (march.reactivated_clients, march.contraction_clients) == (1, 1)


def test_monthly_retention_leaves_out_new_and_reactivated_revenue():
    _, _, february, march, _ = report()
    # February opens at 816.00: 59 + 399 + 179 + 179; churn 179, expansion 120
    assert february.opening == D("816.00")
    assert february.grr == 78.1  # (816 - 179) / 816
    assert february.nrr == 92.8  # (816 + 120 - 179) / 816
    assert march.opening == D("906.17")
    assert march.grr == 75.7  # (906.17 - 220) / 906.17: the reactivation does not lift it
    assert march.nrr == march.grr


def test_trailing_retention_follows_the_cohort_paying_twelve_months_before():
    history = {
        "grew": [
            Span(date(2025, 1, 1), date(2025, 7, 1), D("100.00")),
            Span(date(2025, 7, 1), None, D("150.00")),
        ],
        "shrank": [
            Span(date(2025, 1, 1), date(2025, 5, 1), D("200.00")),
            Span(date(2025, 5, 1), None, D("50.00")),
        ],
        "left_and_came_back": [
            Span(date(2025, 1, 1), date(2025, 4, 1), D("100.00")),
            Span(date(2025, 9, 1), None, D("100.00")),
        ],
        "left": [Span(date(2025, 1, 1), date(2025, 6, 1), D("100.00"))],
        "later": [Span(date(2025, 3, 1), None, D("500.00"))],  # not in the cohort
    }
    days = mrr.snapshot_days(date(2026, 1, 31), 14)  # Dec 2024 … Jan 2026
    rows = mrr.movements(mrr.cents_series(history, days), days=days, paid_before=set())
    assert [row.trailing for row in rows[:11]] == [None] * 11
    january = rows[-1].trailing  # cohort: paying at the end of January 2025
    assert (january.cohort_clients, january.cohort_mrr) == (4, D("500.00"))
    assert january.current_mrr == D("300.00")  # 150 + 50 + 100 + 0
    assert january.kept_mrr == D("250.00")  # 100 + 50 + 100 + 0: growth does not hide losses
    assert (january.nrr, january.grr, january.logo_churn) == (60.0, 50.0, 25.0)


def test_a_client_that_paid_before_the_window_comes_back_as_reactivated_not_new():
    history = {
        "old": [
            Span(date(2024, 3, 1), date(2024, 6, 1), D("59.00")),
            Span(date(2026, 3, 2), None, D("59.00")),
        ]
    }
    days = mrr.snapshot_days(date(2026, 3, 31), 3)
    rows = mrr.movements(
        mrr.cents_series(history, days),
        days=days,
        paid_before=mrr.paid_at_a_month_end_before(history, days[0]),
    )
    assert moves(rows[-1]) == {"reactivated": D("59.00")}
    fresh = mrr.movements(mrr.cents_series(history, days), days=days, paid_before=set())
    assert moves(fresh[-1]) == {"new": D("59.00")}


def test_a_membership_at_zero_is_not_revenue():
    history = {"free": [Span(date(2026, 1, 1), None, D("0.00"))]}
    days = mrr.snapshot_days(date(2026, 2, 28), 3)
    rows = mrr.movements(mrr.cents_series(history, days), days=days, paid_before=set())
    assert [(row.paying_at_end, moves(row)) for row in rows] == [(0, {}), (0, {})]


prices = st.sampled_from([D("0.00"), D("0.00"), D("49.00"), D("59.00"), D("149.17"), D("179.00"), D("0.01")])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.lists(prices, min_size=8, max_size=8), min_size=0, max_size=12), st.sets(st.integers(0, 11))
)
def test_the_movements_always_add_up_to_the_change_in_mrr(histories, paid_before):
    series = {client: [int(price * 100) for price in prices] for client, prices in enumerate(histories)}
    days = mrr.snapshot_days(date(2026, 7, 31), 8)
    rows = mrr.movements(series, days=days, paid_before=paid_before)
    opening = sum((prices[0] for prices in histories), D("0.00"))
    for row in rows:
        assert sum(row.amounts.values(), D("0")) == row.net == row.closing - row.opening
        assert row.opening == opening
        assert min(row.new, row.expansion, row.reactivated) >= 0
        assert max(row.contraction, row.churned) <= 0
        opening = row.closing


# --- On real memberships, changed through memberships.services --------------------------------------


def member(tenant, name, *, tier="gold", riders=(), cycle="monthly", since):
    client = ClientFactory(tenant=tenant, name=name)
    agreement = AgreementFactory(tenant=tenant, client=client, starts_on=date(2025, 1, 1), ends_on=None)
    return give_membership(agreement, tier=tier, riders=riders, cycle=cycle, started_on=since)


def change(subscription, *, tier, riders=(), on):
    with tenant_scope(subscription.tenant):
        subscription = Subscription.objects.get(pk=subscription.pk)
        current = memberships.holding_of(memberships.phase_on(subscription, on))
        after = memberships.requested_holding(
            tier=PlanFactory(tenant=subscription.tenant, key=tier),
            cycle=current.cycle,
            current=current,
            riders=[PlanFactory(tenant=subscription.tenant, key=key) for key in riders],
        )
        return memberships.apply_change(memberships.plan_change(subscription, after, on=on), actor="test")


@pytest.fixture
def book(tenant):
    """Memberships of the tenant, changed on known days (monthly periods start on the start day)."""
    upgraded = member(tenant, "Upgraded", tier="silver", since=date(2025, 12, 1))
    change(upgraded, tier="gold", on=date(2026, 2, 10))  # now: +120.00 from 10 Feb
    downgraded = member(tenant, "Downgraded", tier="platinum", since=date(2025, 12, 1))
    change(downgraded, tier="gold", on=date(2026, 2, 10))  # at the period end, 1 March: -220.00
    leaving = member(tenant, "Leaving", tier="gold", since=date(2025, 12, 1))
    with tenant_scope(tenant):
        memberships.cancel_at_period_end(leaving, on=date(2026, 2, 5), actor="test")  # last day 28 Feb
    returning = member(tenant, "Returning", tier="silver", since=date(2025, 12, 1))
    with tenant_scope(tenant):
        memberships.end_subscription(returning, on=date(2026, 1, 15), actor="test", why="moved")
    agreement = returning.agreement
    give_membership(agreement, tier="silver", riders=["premium-response"], started_on=date(2026, 3, 20))
    member(tenant, "Annual", tier="gold", cycle="annual", since=date(2026, 2, 14))
    member(tenant, "Newcomer", tier="silver", riders=["premium-response"], since=date(2026, 3, 31))
    return tenant


def test_memberships_changed_through_their_services_give_the_same_exact_moves(book):
    with tenant_scope(book):
        report = revenue.revenue_report(today=date(2026, 4, 10), months=5)
    december, january, february, march, april = report.months
    assert [row.month for row in report.months] == [
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
        date(2026, 3, 1),
        date(2026, 4, 1),
    ]
    assert moves(december) == {"new": D("696.00")}  # 59 + 399 + 179 + 59
    assert moves(january) == {"churned": D("-59.00")}  # Returning ended on 15 Jan
    assert moves(february) == {"expansion": D("120.00"), "new": D("149.17")}  # Leaving still paid on 28 Feb
    assert moves(march) == {
        "contraction": D("-220.00"),
        "churned": D("-179.00"),
        "reactivated": D("108.00"),
        "new": D("108.00"),
    }
    assert moves(april) == {}
    for row in report.months:
        assert sum(row.amounts.values(), D("0")) == row.net
    assert report.mrr == D("723.17")  # 179 + 179 + 108 (back, with the rider) + 149.17 + 108 (newcomer)
    assert report.arr == D("8678.04")


def test_the_summary_for_the_home_page_compares_today_with_the_end_of_last_month(book):
    with tenant_scope(book):
        summary = revenue.mrr_summary(today=date(2026, 3, 25))
    assert summary.previous_month_end == date(2026, 2, 28)
    assert summary.previous_mrr == D("906.17")  # 179 + 399 + 179 + 149.17
    assert summary.mrr == D("615.17")  # Platinum became Gold, Leaving left, Returning is back since 20 Mar
    assert summary.change == D("-291.00")
    assert summary.arr == D("7382.04")
    assert summary.paying_clients == 4
