"""Proration, exact to the cent: billing.proration.prorate itself, and the charges a change to a membership
records (an upgrade now, a downgrade at the period end, riders, two changes in one period, an annual plan,
a leap year, a period across a DST change)."""

from datetime import date
from decimal import Decimal

import pytest

from billing.models import ProrationCharge
from billing.proration import prorate
from billing.subscriptions import change_subscription, preview_change
from memberships.selectors import plan_terms
from tenants.scope import tenant_scope
from tests.factories import AgreementFactory, ClientFactory, TenantFactory, plan_with_key, subscribe

D = Decimal


# --- prorate(), the named contract ------------------------------------------------------------------


def test_prorate_is_the_share_of_days_left_rounded_half_up_to_the_cent():
    assert prorate(D("179.00"), date(2026, 12, 1), date(2027, 1, 1), date(2026, 12, 15)) == D("98.16")
    assert prorate(D("100.00"), date(2026, 12, 1), date(2027, 1, 1), date(2026, 12, 1)) == D("100.00")
    assert prorate(D("100.00"), date(2026, 12, 1), date(2027, 1, 1), date(2027, 1, 1)) == D("0.00")
    # 10 x 1/8 = 1.25 exactly; 0.05 x 1/2 = 0.025 -> 0.03 (half-up, not banker's 0.02)
    assert prorate(D("10.00"), date(2026, 1, 1), date(2026, 1, 9), date(2026, 1, 8)) == D("1.25")
    assert prorate(D("0.05"), date(2026, 1, 1), date(2026, 1, 3), date(2026, 1, 2)) == D("0.03")


def test_prorate_counts_calendar_days_so_a_leap_february_has_29():
    assert prorate(D("29.00"), date(2028, 2, 1), date(2028, 3, 1), date(2028, 2, 28)) == D("2.00")
    assert prorate(D("28.00"), date(2027, 2, 1), date(2027, 3, 1), date(2027, 2, 28)) == D("1.00")
    assert prorate(D("366.00"), date(2027, 3, 1), date(2028, 3, 1), date(2028, 2, 29)) == D("1.00")


def test_prorate_refuses_a_float_or_a_string_amount():
    with pytest.raises(TypeError):
        prorate(179.0, date(2026, 12, 1), date(2027, 1, 1), date(2026, 12, 15))
    with pytest.raises(TypeError):
        prorate("179.00", date(2026, 12, 1), date(2027, 1, 1), date(2026, 12, 15))


@pytest.mark.parametrize(
    ("start", "end", "on"),
    [
        (date(2026, 12, 1), date(2026, 12, 1), date(2026, 12, 1)),  # empty period
        (date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 15)),  # backwards
        (date(2026, 12, 1), date(2027, 1, 1), date(2026, 11, 30)),  # before the period
        (date(2026, 12, 1), date(2027, 1, 1), date(2027, 1, 2)),  # after it
    ],
)
def test_prorate_refuses_an_empty_period_or_a_day_outside_it(start, end, on):
    with pytest.raises(ValueError):
        prorate(D("10.00"), start, end, on)


# --- Changes to a membership ---------------------------------------------------------------------------


@pytest.fixture
def company(db):
    return TenantFactory(timezone="America/New_York")


@pytest.fixture
def plans(company):
    return {
        "silver": plan_with_key(company, "silver", price="59.00", rank=1, annual_price=D("590.00")),
        "gold": plan_with_key(company, "gold", price="179.00", rank=2, annual_price=D("1790.00")),
        "platinum": plan_with_key(company, "platinum", price="399.00", rank=3, annual_price=D("3990.00")),
        "premium": plan_with_key(
            company, "premium-response", kind="rider", price="49.00", annual_price=D("490.00")
        ),
    }


def member(company, plan, *, started_on, cycle="monthly", riders=()):
    client = ClientFactory(tenant=company)
    agreement = AgreementFactory(client=client, starts_on=started_on, ends_on=date(2030, 1, 1))
    return subscribe(agreement, tier=plan, riders=riders, cycle=cycle, started_on=started_on)


def charges(subscription):
    with tenant_scope(subscription.tenant):
        return [
            (charge.plan.key, charge.amount, charge.period_start, charge.period_end)
            for charge in ProrationCharge.objects.filter(subscription=subscription).order_by("id")
        ]


def change(subscription, *, tier, riders=(), on, cycle=None):
    with tenant_scope(subscription.tenant):
        return change_subscription(subscription, tier=tier, riders=riders, cycle=cycle, on=on, actor="owner")


def holds(subscription, day):
    with tenant_scope(subscription.tenant):
        terms = plan_terms(subscription.client, on=day)
        return (
            terms.tier.key if terms.tier else None,
            sorted(r.key for r in terms.riders),
            terms.recurring_price,
        )


DEC = (date(2026, 12, 1), date(2027, 1, 1))  # 31 days


def test_an_upgrade_mid_month_charges_the_new_tier_and_credits_the_old_for_the_days_left(company, plans):
    silver = member(company, plans["silver"], started_on=date(2026, 11, 1))
    _, preview = change(silver, tier=plans["gold"], on=date(2026, 12, 15))  # 17 of 31 days left
    assert charges(silver) == [("silver", D("-32.35"), *DEC), ("gold", D("98.16"), *DEC)]
    assert preview.due_now == D("65.81")
    assert preview.sentence("USD") == "today: +$65.81; from 1 Jan: $179.00/month"
    assert holds(silver, date(2026, 12, 14)) == ("silver", [], D("59.00"))
    assert holds(silver, date(2026, 12, 15)) == ("gold", [], D("179.00"))


def test_a_downgrade_waits_for_the_period_end_and_charges_nothing(company, plans):
    gold = member(company, plans["gold"], started_on=date(2026, 11, 1))
    record, preview = change(gold, tier=plans["silver"], on=date(2026, 12, 15))
    assert (record.kind, record.effective_on, preview.due_now) == ("downgraded", date(2027, 1, 1), D("0"))
    assert preview.sentence("USD") == "today: nothing (takes effect on 1 Jan); from 1 Jan: $59.00/month"
    assert charges(gold) == []
    assert holds(gold, date(2026, 12, 31)) == ("gold", [], D("179.00"))
    assert holds(gold, date(2027, 1, 1)) == ("silver", [], D("59.00"))


def test_a_rider_added_is_charged_now_and_removed_at_the_period_end(company, plans):
    gold = member(company, plans["gold"], started_on=date(2026, 11, 1))
    change(gold, tier=plans["gold"], riders=[plans["premium"]], on=date(2026, 12, 10))  # 22 of 31 days
    assert charges(gold) == [("premium-response", D("34.77"), *DEC)]
    record, _ = change(gold, tier=plans["gold"], riders=[], on=date(2026, 12, 20))
    assert (record.kind, record.effective_on) == ("rider_removed", date(2027, 1, 1))
    assert charges(gold) == [("premium-response", D("34.77"), *DEC)]  # nothing back for a removal
    assert holds(gold, date(2026, 12, 31)) == ("gold", ["premium-response"], D("228.00"))
    assert holds(gold, date(2027, 1, 1)) == ("gold", [], D("179.00"))


def test_two_upgrades_in_one_period_each_prorate_from_what_the_client_had_then(company, plans):
    silver = member(company, plans["silver"], started_on=date(2026, 11, 1))
    change(silver, tier=plans["gold"], on=date(2026, 12, 10))  # 22 of 31 days left
    change(silver, tier=plans["platinum"], on=date(2026, 12, 20))  # 12 of 31 days left
    assert charges(silver) == [
        ("silver", D("-41.87"), *DEC),
        ("gold", D("127.03"), *DEC),
        ("gold", D("-69.29"), *DEC),
        ("platinum", D("154.45"), *DEC),
    ]
    assert sum(amount for _, amount, _, _ in charges(silver)) == D("170.32")
    assert holds(silver, date(2026, 12, 20)) == ("platinum", [], D("399.00"))


def test_an_upgrade_replaces_a_downgrade_still_waiting_for_the_period_end(company, plans):
    gold = member(company, plans["gold"], started_on=date(2026, 11, 1))
    change(gold, tier=plans["silver"], on=date(2026, 12, 5))  # waits for 1 January
    record, _ = change(gold, tier=plans["platinum"], on=date(2026, 12, 15))
    assert "replaces the change that was waiting" in record.summary
    assert charges(gold) == [("gold", D("-98.16"), *DEC), ("platinum", D("218.81"), *DEC)]
    assert holds(gold, date(2027, 1, 1)) == ("platinum", [], D("399.00"))


def test_an_annual_plan_prorates_over_the_year(company, plans):
    silver = member(company, plans["silver"], started_on=date(2026, 3, 1), cycle="annual")
    change(silver, tier=plans["gold"], on=date(2026, 9, 1))  # 181 of 365 days left
    year = (date(2026, 3, 1), date(2027, 3, 1))
    assert charges(silver) == [("silver", D("-292.58"), *year), ("gold", D("887.64"), *year)]
    assert holds(silver, date(2026, 9, 1)) == ("gold", [], D("1790.00"))


def test_a_leap_february_has_29_days_to_prorate_over(company, plans):
    silver = member(company, plans["silver"], started_on=date(2028, 1, 1))
    change(silver, tier=plans["gold"], on=date(2028, 2, 15))  # 15 of 29 days left
    february = (date(2028, 2, 1), date(2028, 3, 1))
    assert charges(silver) == [("silver", D("-30.52"), *february), ("gold", D("92.59"), *february)]


def test_a_period_across_a_dst_change_counts_days_not_hours(company, plans):
    # Anchor on the 15th in New York: 15 Oct - 15 Nov 2026 has 31 days though clocks go back on 1 Nov.
    silver = member(company, plans["silver"], started_on=date(2026, 10, 15))
    change(silver, tier=plans["gold"], on=date(2026, 11, 2))  # 13 of 31 days left
    period = (date(2026, 10, 15), date(2026, 11, 15))
    assert charges(silver) == [("silver", D("-24.74"), *period), ("gold", D("75.06"), *period)]


def test_a_preview_writes_nothing(company, plans):
    silver = member(company, plans["silver"], started_on=date(2026, 11, 1))
    with tenant_scope(company):
        preview = preview_change(silver, tier=plans["gold"], on=date(2026, 12, 15))
    assert preview.due_now == D("65.81")
    assert charges(silver) == []
    assert holds(silver, date(2026, 12, 20)) == ("silver", [], D("59.00"))


def test_a_change_on_the_first_day_of_a_period_not_invoiced_yet_is_billed_by_its_invoice(company, plans):
    silver = member(company, plans["silver"], started_on=date(2026, 11, 1))
    change(silver, tier=plans["gold"], on=date(2026, 12, 1))
    assert charges(silver) == []  # the December invoice, not out yet, bills Gold in full
    assert holds(silver, date(2026, 12, 1)) == ("gold", [], D("179.00"))


def test_a_negotiated_price_is_kept_when_only_a_rider_is_added(company, plans):
    client = ClientFactory(tenant=company)
    agreement = AgreementFactory(client=client, starts_on=date(2026, 11, 1), ends_on=date(2030, 1, 1))
    gold = subscribe(agreement, tier=plans["gold"], tier_price=D("150.00"), started_on=date(2026, 11, 1))
    change(gold, tier=plans["gold"], riders=[plans["premium"]], on=date(2026, 12, 10))
    assert holds(gold, date(2026, 12, 10)) == ("gold", ["premium-response"], D("199.00"))
