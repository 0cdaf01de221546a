"""Staff see every reward of a client (what, why, value, status, whether credit was spent), each program's
section, and the tenant's rewards page (gifts to deliver, what rewards cost against the retention and
utilisation of rewarded and unrewarded clients); managers grant by hand, mark gifts delivered and
withdraw rewards. Another tenant's client or reward is a 404."""

import copy
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import CreditEntry
from events.models import OutboxEvent
from rewards import sections
from rewards.models import Program, Reward, RewardKind, RewardStatus
from rewards.services import grant_reward
from tenants.localtime import tenant_today
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.billing.invoice_setup import issued_invoice
from tests.factories import AgreementFactory, ClientFactory, TicketFactory, give_membership

pytestmark = pytest.mark.django_db
MID_DECEMBER = datetime(2026, 12, 15, 17, 0, tzinfo=UTC)  # the same day in the tenant's time zone


def text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def grant(
    client, key, *, kind=RewardKind.CREDIT, value="20.00", program=Program.UTILIZATION, on=None, **extra
):
    with tenant_scope(client.tenant):
        return grant_reward(
            client,
            program=program,
            key=key,
            kind=kind,
            title=extra.pop("title", f"Reward {key}"),
            reason=extra.pop("reason", f"Because of {key}"),
            value=Decimal(value),
            actor="rewards run",
            on=on,
            **extra,
        ).reward


def spend_credit(client, amount):
    """An invoice uses ``amount`` of the client's account credit, as the billing run does."""
    invoice = issued_invoice(client, [("labour", "Visit", "200.00")])
    with tenant_scope(client.tenant):
        CreditEntry.objects.create(
            tenant=client.tenant,
            client=client,
            amount=-Decimal(amount),
            invoice_line=invoice.lines.get(),
            reason="Account credit used",
            source="billing",
            granted_on=tenant_today(client.tenant),
        )


@pytest.fixture
def household(tenant):
    return ClientFactory(tenant=tenant, name="Whitaker Residence")


# --- A client's rewards page ---------------------------------------------------------------------------


def test_a_clients_page_lists_every_reward_with_why_what_it_is_worth_and_its_status(staff_client, household):
    grant(household, "2026-10", title="5% off your next plan invoice", reason="8 tickets on 100 endpoints")
    grant(
        household,
        "year-1",
        kind=RewardKind.GIFT,
        value="45.00",
        program=Program.ANNIVERSARY,
        title="A hamper",
    )
    mention = grant(
        household, "2026-09", kind=RewardKind.RECOGNITION, value="0", program=Program.CUSTOMER_OF_THE_MONTH
    )
    with tenant_scope(household.tenant):
        Reward.objects.filter(pk=mention.pk).update(
            status=RewardStatus.WITHDRAWN, details={"withdrawn_because": "Mistake"}
        )

    response = staff_client.get(reverse("rewards:client", args=[household.pk]))

    assert response.status_code == 200
    page = text(response)
    assert "Rewards of Whitaker Residence" in page
    assert "5% off your next plan invoice 8 tickets on 100 endpoints" in page
    assert "A hamper" in page
    assert "To deliver" in page
    assert "Mark delivered" in page
    assert "Withdrawn: Mistake" in page
    assert "Granted in all $65.00" in page  # the withdrawn recognition counts for nothing
    assert "Of which account credit $20.00" in page
    assert "Gifts to deliver 1" in page


def test_a_credit_reward_says_whether_invoices_have_spent_it_oldest_credit_first(staff_client, household):
    today = tenant_today(household.tenant)
    older = grant(household, "2026-09", value="30.00", on=today - timedelta(days=40))
    newer = grant(household, "2026-10", value="20.00", on=today - timedelta(days=10))
    spend_credit(household, "40.00")

    response = staff_client.get(reverse("rewards:client", args=[household.pk]))

    rows = {reward.pk: reward for reward in response.context["rewards"]}
    assert rows[older.pk].credit_spent == Decimal("30.00")
    assert rows[newer.pk].credit_spent == Decimal("10.00")
    page = text(response)
    assert "Spent on invoices" in page
    assert "$10.00 spent, the rest on account" in page


def test_each_programs_staff_section_follows_the_ledger_in_program_order(
    staff_client, household, tmp_path, settings, monkeypatch
):
    folder = tmp_path / "sections"
    folder.mkdir()
    (folder / "standing.html").write_text("<p>{{ section.label }} for {{ client.name }}: {{ tier }}</p>")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [*templates[0]["DIRS"], tmp_path]
    settings.TEMPLATES = templates
    monkeypatch.setattr(sections, "_sections", {})
    sections.register_section(
        Program.REFERRAL,
        audience="staff",
        template="sections/standing.html",
        build=lambda c, on: {"tier": "3 given"},
    )
    sections.register_section(
        Program.UTILIZATION,
        audience="staff",
        template="sections/standing.html",
        build=lambda c, on: {"tier": "Gold"},
    )
    sections.register_section(
        Program.ANNIVERSARY, audience="staff", template="sections/standing.html", build=lambda c, on: None
    )
    sections.register_section(
        Program.BEST_PRACTICES,
        audience="portal",
        template="sections/standing.html",
        build=lambda c, on: {"tier": "x"},
    )

    page = text(staff_client.get(reverse("rewards:client", args=[household.pk])))

    assert "Low utilisation for Whitaker Residence: Gold" in page
    assert "Referral for Whitaker Residence: 3 given" in page
    assert page.index("Every reward") < page.index(": Gold") < page.index(": 3 given")
    assert "Anniversary for" not in page  # its build had nothing to say
    assert "Best practices for" not in page  # a portal section


def test_a_manager_grants_credit_by_hand_which_lands_on_the_clients_credit_ledger(
    client, login_as, tenant, household
):
    login_as(tenant, Role.MANAGER)

    response = client.post(
        reverse("rewards:grant", args=[household.pk]),
        {
            "grant-program": Program.REFERRAL,
            "grant-kind": RewardKind.CREDIT,
            "grant-title": "$50 off your next invoice",
            "grant-reason": "You introduced us to Harbor Dental",
            "grant-value": "50",
        },
    )

    assert response.status_code == 302
    with tenant_scope(tenant):
        reward = Reward.objects.get(client=household)
        assert reward.key.startswith("manual-")
        assert (reward.program, reward.kind, reward.value) == (Program.REFERRAL, "credit", Decimal("50.00"))
        assert reward.details == {"by_hand": True}
        assert reward.credit_entry.amount == Decimal("50.00")
        assert OutboxEvent.objects.filter(name="reward.granted").count() == 1
    assert "$50 off your next invoice" in text(client.get(response["Location"]))


def test_a_grant_with_mistakes_comes_back_with_clear_errors_and_what_was_typed(
    staff_client, tenant, household
):
    response = staff_client.post(
        reverse("rewards:grant", args=[household.pk]),
        {
            "grant-program": Program.UTILIZATION,
            "grant-kind": RewardKind.CREDIT,
            "grant-title": "Credit",
            "grant-reason": "",
        },
    )

    assert response.status_code == 400
    form = response.context["grant_form"]
    assert form.errors["value"] == ["Account credit needs an amount above zero."]
    assert "reason" in form.errors
    assert 'value="Credit"' in response.content.decode()
    with tenant_scope(tenant):
        assert not Reward.objects.exists()


def test_a_gift_marked_delivered_leaves_the_task_list(staff_client, tenant, owner, household):
    gift = grant(
        household,
        "year-1",
        kind=RewardKind.GIFT,
        value="45.00",
        program=Program.ANNIVERSARY,
        title="A hamper",
    )
    index = reverse("rewards:index")
    assert "A hamper" in text(staff_client.get(index))

    response = staff_client.post(reverse("rewards:deliver", args=[gift.pk]), {"next": index})

    assert response["Location"] == index
    with tenant_scope(tenant):
        gift.refresh_from_db()
    assert gift.status == RewardStatus.DELIVERED
    assert gift.delivered_by == owner
    assert "No gift waiting." in text(staff_client.get(index))


def test_withdrawing_needs_a_reason_and_credit_cannot_be_withdrawn(staff_client, tenant, household):
    gift = grant(household, "year-1", kind=RewardKind.GIFT, value="45.00", program=Program.ANNIVERSARY)
    credit = grant(household, "2026-10")

    missing = staff_client.post(reverse("rewards:withdraw", args=[gift.pk]), {"withdraw-reason": ""})
    refused = staff_client.post(reverse("rewards:withdraw", args=[credit.pk]), {"withdraw-reason": "Oops"})
    done = staff_client.post(
        reverse("rewards:withdraw", args=[gift.pk]), {"withdraw-reason": "They moved away"}
    )

    assert missing.status_code == 400
    assert missing.context["withdrawing"] == gift.pk
    assert refused.status_code == 400
    assert "Credit on the client's account cannot be withdrawn" in text(refused)
    assert done.status_code == 302
    with tenant_scope(tenant):
        assert Reward.objects.get(pk=gift.pk).status == RewardStatus.WITHDRAWN
        assert Reward.objects.get(pk=credit.pk).status == RewardStatus.GRANTED


def test_a_technician_sees_rewards_but_cannot_grant_deliver_or_withdraw(client, login_as, tenant, household):
    gift = grant(household, "year-1", kind=RewardKind.GIFT, value="45.00", program=Program.ANNIVERSARY)
    login_as(tenant, Role.TECHNICIAN)

    page = client.get(reverse("rewards:client", args=[household.pk]))

    assert page.status_code == 200
    assert "Grant a reward by hand" not in text(page)
    assert "Mark delivered" not in text(page)
    assert client.post(reverse("rewards:deliver", args=[gift.pk])).status_code == 403
    assert (
        client.post(reverse("rewards:withdraw", args=[gift.pk]), {"withdraw-reason": "x"}).status_code == 403
    )
    assert client.post(reverse("rewards:grant", args=[household.pk]), {}).status_code == 403


def test_another_tenants_client_and_rewards_are_not_found(staff_client, other_tenant):
    theirs = ClientFactory(tenant=other_tenant, name="Rival Client")
    gift = grant(theirs, "year-1", kind=RewardKind.GIFT, value="45.00", program=Program.ANNIVERSARY)

    assert staff_client.get(reverse("rewards:client", args=[theirs.pk])).status_code == 404
    assert staff_client.post(reverse("rewards:grant", args=[theirs.pk]), {}).status_code == 404
    assert staff_client.post(reverse("rewards:deliver", args=[gift.pk])).status_code == 404
    assert (
        staff_client.post(reverse("rewards:withdraw", args=[gift.pk]), {"withdraw-reason": "x"}).status_code
        == 404
    )
    index = text(staff_client.get(reverse("rewards:index")))
    assert "Rival Client" not in index
    with tenant_scope(other_tenant):
        assert Reward.objects.get(pk=gift.pk).status == RewardStatus.TO_DELIVER


def test_the_client_page_has_a_rewards_panel_with_the_latest_rewards(staff_client, household):
    grant(household, "2026-10", title="5% off your next plan invoice", value="12.50")

    page = text(staff_client.get(reverse("clients:detail", args=[household.pk])))

    assert "Rewards" in page
    assert "5% off your next plan invoice" in page
    assert "$12.50 granted this year" in page


# --- The tenant's rewards page -------------------------------------------------------------------------


@time_machine.travel(MID_DECEMBER, tick=False)
def test_the_tenants_page_shows_the_cost_per_month_by_program(staff_client, household, owner):
    staff_client.force_login(owner)  # signed in on the day travelled to (sessions time out when idle)
    grant(household, "2026-11", value="20.00", on=date(2026, 11, 30))
    grant(household, "2026-12", value="15.00", on=date(2026, 12, 1))
    grant(
        household,
        "year-1",
        kind=RewardKind.GIFT,
        value="40.00",
        program=Program.ANNIVERSARY,
        on=date(2026, 12, 2),
    )
    grant(household, "2025-11", value="99.00", on=date(2025, 11, 30))  # before the twelve months

    response = staff_client.get(reverse("rewards:index"))

    costs = {row.month: row for row in response.context["costs"]}
    assert len(costs) == 12
    assert min(costs) == date(2026, 1, 1)
    assert costs[date(2026, 12, 1)].by_program[Program.UTILIZATION] == Decimal("15.00")
    assert costs[date(2026, 12, 1)].by_program[Program.ANNIVERSARY] == Decimal("40.00")
    assert costs[date(2026, 12, 1)].total == Decimal("55.00")
    assert costs[date(2026, 11, 1)].total == Decimal("20.00")
    assert response.context["cost_total"] == Decimal("75.00")
    chart = staff_client.get(reverse("rewards:cost_json")).json()
    assert chart["labels"][-1] == "Dec 2026"
    utilisation = next(s for s in chart["series"] if s["program"] == Program.UTILIZATION)
    assert utilisation["values"][-2:] == ["20.00", "15.00"]


@time_machine.travel(MID_DECEMBER, tick=False)
def test_rewarded_clients_are_compared_with_the_others_on_retention_and_utilisation(
    staff_client, tenant, owner
):
    staff_client.force_login(owner)  # signed in on the day travelled to (sessions time out when idle)
    year_ago = date(2025, 12, 1)

    def customer(name, endpoints, *, ends_on=date(2027, 11, 30), membership=False):
        client = ClientFactory(tenant=tenant, name=name, managed_endpoints=endpoints)
        agreement = AgreementFactory(client=client, starts_on=year_ago, ends_on=ends_on)
        if membership:
            give_membership(agreement, started_on=year_ago)
        return client

    kept_rewarded = customer("Kept and rewarded", 100)
    lost_rewarded = customer("Lost and rewarded", 50, ends_on=date(2026, 6, 30))  # the agreement lapsed
    kept = customer("Kept", 40, membership=True)
    customer("Lost", 10, ends_on=date(2026, 3, 31))
    newcomer = ClientFactory(tenant=tenant, name="Newcomer", managed_endpoints=0)
    AgreementFactory(client=newcomer, starts_on=date(2026, 6, 1))  # joined during the year, still here
    grant(kept_rewarded, "2026-06", on=date(2026, 7, 1))
    grant(lost_rewarded, "2026-05", on=date(2026, 5, 1))
    withdrawn = grant(kept, "year-1", kind=RewardKind.GIFT, value="30.00", program=Program.ANNIVERSARY)
    with tenant_scope(tenant):
        Reward.objects.filter(pk=withdrawn.pk).update(status=RewardStatus.WITHDRAWN)  # does not count
    for _ in range(3):
        TicketFactory(client=kept_rewarded)
    for _ in range(8):
        TicketFactory(client=kept)

    economics = staff_client.get(reverse("rewards:index")).context["economics"]

    assert economics.start == date(2025, 12, 15)
    assert (economics.rewarded.clients_then, economics.rewarded.retained) == (2, 1)
    assert economics.rewarded.retention_percent == Decimal("50.0")
    assert (economics.unrewarded.clients_then, economics.unrewarded.retained) == (3, 2)
    assert (economics.rewarded.tickets, economics.rewarded.endpoints) == (3, 150)
    assert economics.rewarded.utilisation_percent == Decimal("2.0")
    assert (economics.unrewarded.tickets, economics.unrewarded.endpoints) == (8, 50)
    assert economics.unrewarded.utilisation_percent == Decimal("16.0")
    assert economics.unrewarded.active_clients == 3  # the newcomer counts for utilisation


def test_the_tenants_page_takes_as_many_queries_for_many_clients_as_for_few(staff_client, tenant):
    def add_clients(count):
        for index in range(count):
            client = ClientFactory(tenant=tenant, managed_endpoints=20)
            AgreementFactory(client=client)
            grant(client, f"k{index}", kind=RewardKind.GIFT, value="10.00", program=Program.ANNIVERSARY)
            TicketFactory(client=client)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(reverse("rewards:index")).status_code == 200
        return len(captured)

    add_clients(2)
    few = queries()
    add_clients(10)
    assert queries() == few
