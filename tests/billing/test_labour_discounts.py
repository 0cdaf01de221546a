"""A client's labour discount granted from above billing (best practices): one open per source and type
of work, changed forward only, and added to the membership tier's discount on the days it is in force."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from billing.models import ClientLabourDiscount
from billing.run_plan import LabourDiscount, PlanItem, labour_line
from billing.services import set_labour_discount
from tenants.scope import tenant_scope
from tests.billing.test_run_plan import entry
from tests.factories import ClientFactory

GOLD = PlanItem(1, "Gold", Decimal("10"))


def best_practices(percent, starts_on, ends_on=None, work_type="project"):
    return LabourDiscount(work_type, Decimal(percent), starts_on, ends_on, "Best practices Silver")


def test_a_discount_is_added_to_the_tiers_on_the_days_it_is_in_force_and_named_on_the_line():
    work = replace(entry(date(2026, 11, 3)), work_type="project")
    discounts = (best_practices("15", date(2026, 11, 1), date(2026, 11, 4)),)

    line = labour_line(work, tier=GOLD, currency="USD", discounts=discounts)

    assert line.amount == Decimal("90.00")  # $120 less 10% + 15%
    assert line.detail.endswith("$120.00/h · Gold −10% · Best practices Silver −15%")
    later = labour_line(
        replace(work, worked_on=date(2026, 11, 4)), tier=GOLD, currency="USD", discounts=discounts
    )
    assert later.amount == Decimal("108.00")


def test_a_discount_for_another_type_of_work_does_not_apply():
    work = replace(entry(date(2026, 11, 3)), work_type="installation")
    line = labour_line(work, tier=None, currency="USD", discounts=(best_practices("15", date(2026, 1, 1)),))
    assert line.amount == Decimal("120.00")
    assert "Best practices" not in line.detail


def test_discounts_together_never_exceed_the_whole_price():
    work = replace(entry(date(2026, 11, 3)), work_type="project")
    line = labour_line(work, tier=GOLD, currency="USD", discounts=(best_practices("95", date(2026, 1, 1)),))
    assert line.amount == Decimal("0.00")


@pytest.mark.django_db
def test_setting_a_discount_ends_the_open_one_and_zero_ends_it(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        args = {"work_type": "project", "source": "best_practices", "actor": "test"}
        set_labour_discount(client, percent=5, on=date(2026, 2, 1), reason="Best practices Bronze", **args)
        again = set_labour_discount(
            client, percent=5, on=date(2026, 2, 9), reason="Best practices Bronze", **args
        )
        set_labour_discount(client, percent=10, on=date(2026, 3, 1), reason="Best practices Silver", **args)
        assert set_labour_discount(client, percent=0, on=date(2026, 4, 1), reason="", **args) is None
        rows = list(
            ClientLabourDiscount.objects.order_by("starts_on").values_list("percent", "starts_on", "ends_on")
        )
    assert again.starts_on == date(2026, 2, 1)  # the same discount again changes nothing
    assert rows == [
        (Decimal("5.00"), date(2026, 2, 1), date(2026, 3, 1)),
        (Decimal("10.00"), date(2026, 3, 1), date(2026, 4, 1)),
    ]


@pytest.mark.django_db
def test_a_change_on_the_day_a_discount_started_replaces_it_and_an_earlier_one_is_refused(tenant):
    with tenant_scope(tenant):
        client = ClientFactory(tenant=tenant)
        args = {"work_type": "project", "source": "best_practices", "actor": "test"}
        set_labour_discount(client, percent=5, on=date(2026, 2, 1), reason="Bronze", **args)
        set_labour_discount(client, percent=10, on=date(2026, 2, 1), reason="Silver", **args)
        assert list(ClientLabourDiscount.objects.values_list("percent", "reason")) == [
            (Decimal("10.00"), "Silver")
        ]
        with pytest.raises(ValidationError, match="cannot change before"):
            set_labour_discount(client, percent=15, on=date(2026, 1, 15), reason="Gold", **args)
        with pytest.raises(ValidationError):
            set_labour_discount(client, percent=120, on=date(2026, 3, 1), reason="Gold", **args)
        with pytest.raises(ValidationError):
            set_labour_discount(
                client, percent=5, on=date(2026, 3, 1), reason="Gold", work_type="nap", source="x", actor="t"
            )
