"""The SLA engine's staff pages: calendars, policies and their targets, the priority matrix, the issue
catalog and the deadline preview."""

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from service_levels.durations import minutes_words
from service_levels.forms import parse_duration
from service_levels.models import BusinessCalendar, ClosureDay, IssueType, PriorityRule, SlaPolicy, SlaTarget
from service_levels.services import PRESETS
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.factories import CalendarFactory, ClientFactory, ClosureDayFactory, IssueTypeFactory, PlanFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in New York


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def in_tenant(tenant, query):
    with tenant_scope(tenant):
        return query()


def calendar_post(calendar, days=None, **fields):
    """The calendar form as its page sends it, with some weekdays' lines ({0: "08:00-12:00"}) or fields
    replaced."""
    data = {
        "name": calendar.name,
        "timezone": calendar.timezone,
        "holiday_country": calendar.holiday_country,
        "holiday_subdivision": calendar.holiday_subdivision,
    }
    for number in range(7):
        data[f"day_{number}"] = ", ".join(f"{o}-{c}" for o, c in calendar.weekly_hours.get(str(number), []))
    data.update({f"day_{number}": text for number, text in (days or {}).items()})
    return {**data, **fields}


def policy_post(calendar, **cells):
    """A new policy with a targets grid: cells as P1_first_response="90m" (calendar: the one given)."""
    data = {"name": "Bronze", "kind": "tier", "key": "bronze", "warning_percent": "80", "is_active": "on"}
    for priority in ("P1", "P2", "P3", "P4"):
        for metric in ("first_response", "onsite", "resolution"):
            data[f"{priority}-{metric}-minutes"] = cells.get(f"{priority}_{metric}", "")
            data[f"{priority}-{metric}-calendar"] = str(calendar.pk)
    return data


# --- Every page, and who may change things ------------------------------------------------------


def test_every_page_renders_for_a_read_only_member_without_write_buttons(
    client, login_as, tenant, policies, calendars
):
    login_as(tenant, Role.READ_ONLY)
    calendar = calendars.extended
    urls = [
        reverse("service_levels:policy_list"),
        reverse("service_levels:calendar_list"),
        reverse("service_levels:calendar_detail", args=[calendar.pk]),
        reverse("service_levels:priority_matrix"),
        reverse("service_levels:issue_type_list"),
        reverse("service_levels:preview"),
    ]
    for url in urls:
        page = html(client.get(url))
        assert "Add a" not in page, url
        assert "<select" not in page or url == reverse("service_levels:preview"), url
        for script in re.findall(r"<script\b[^>]*>", page):
            assert "src=" in script, f"inline script on {url}"
        assert not re.search(r"\sstyle=|\son[a-z]+=", page), f"inline style or handler on {url}"
    assert client.get(reverse("service_levels:index")).url == reverse("service_levels:policy_list")


def test_the_policy_list_groups_policies_by_kind_with_a_targets_summary(staff_client, policies):
    page = html(staff_client.get(reverse("service_levels:policy_list")))

    sections = [
        page.index(title) for title in ("Basic triage", "Standard contract", "Membership tiers", "Riders")
    ]
    assert sections == sorted(sections)
    assert "4 h" in page
    assert "Extended hours" in page  # Gold P1 on-site
    assert "15 min" in page


@pytest.mark.parametrize("role", [Role.TECHNICIAN, Role.DISPATCHER, Role.READ_ONLY])
def test_only_owners_and_managers_may_change_the_sla_setup(
    client, login_as, tenant, policies, calendars, role
):
    login_as(tenant, role)
    calendar = calendars.extended
    issue_type = IssueTypeFactory(tenant=tenant)
    closure = ClosureDayFactory(calendar=calendar)
    assert client.get(reverse("service_levels:policy_create")).status_code == 403
    assert client.get(reverse("service_levels:calendar_update", args=[calendar.pk])).status_code == 403
    writes = [
        (reverse("service_levels:calendar_create"), {"name": "X", "preset": "office_hours"}),
        (reverse("service_levels:calendar_update", args=[calendar.pk]), calendar_post(calendar)),
        (reverse("service_levels:closure_create", args=[calendar.pk]), {"date": "2026-04-03"}),
        (reverse("service_levels:closure_remove", args=[closure.pk]), {}),
        (reverse("service_levels:policy_update", args=[policies.gold.pk]), {"name": "Gold"}),
        (reverse("service_levels:priority_matrix"), {"high-high": "P4"}),
        (reverse("service_levels:issue_type_create"), {"name": "X"}),
        (reverse("service_levels:issue_type_active", args=[issue_type.pk]), {"action": "deactivate"}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert in_tenant(tenant, lambda: ClosureDay.objects.filter(pk=closure.pk).exists())


def test_a_manager_may_change_the_sla_setup(client, login_as, tenant, calendars):
    login_as(tenant, Role.MANAGER)
    response = client.post(
        reverse("service_levels:calendar_create"),
        {"name": "Night desk", "preset": "split_shift", "timezone": "Europe/London", "holiday_country": "GB",
         "holiday_subdivision": "eng"},
    )  # fmt: skip
    calendar = in_tenant(tenant, lambda: BusinessCalendar.objects.get(name="Night desk"))
    assert response.status_code == 302
    assert response.url == reverse("service_levels:calendar_update", args=[calendar.pk])
    assert calendar.weekly_hours == PRESETS["split_shift"]
    assert (calendar.holiday_country, calendar.holiday_subdivision) == ("GB", "ENG")


# --- Calendars -----------------------------------------------------------------------------------


def test_the_calendar_list_shows_zone_hours_holidays_and_closures(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant, name="Office", holiday_country="US", holiday_subdivision="NY")
    ClosureDayFactory(calendar=calendar)
    ClosureDayFactory(calendar=calendar)
    page = html(staff_client.get(reverse("service_levels:calendar_list")))
    row = page[page.index("Office") :]
    assert "America/New_York" in row
    assert "45 h" in row  # 5 × 9 h
    assert "US · NY" in row
    assert re.search(r'<td class="num d-none d-sm-table-cell">2</td>', row)


def test_an_empty_calendar_list_says_what_to_do_next(staff_client):
    assert "Add your first calendar" in html(staff_client.get(reverse("service_levels:calendar_list")))


def test_weekly_hours_are_saved_from_one_line_per_day(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    data = calendar_post(calendar, {0: "8-12, 13:00-17:00", 4: "22:00-06:00", 6: "00:00-00:00", 1: ""})
    response = staff_client.post(reverse("service_levels:calendar_update", args=[calendar.pk]), data)

    assert response.status_code == 302
    calendar = in_tenant(tenant, lambda: BusinessCalendar.objects.get(pk=calendar.pk))
    assert calendar.weekly_hours == {
        "0": [["08:00", "12:00"], ["13:00", "17:00"]],
        "2": [["08:00", "17:00"]],
        "3": [["08:00", "17:00"]],
        "4": [["22:00", "06:00"]],  # Friday night into Saturday morning
        "6": [["00:00", "00:00"]],  # all of Sunday
    }
    edit = html(staff_client.get(reverse("service_levels:calendar_update", args=[calendar.pk])))
    assert 'value="08:00-12:00, 13:00-17:00"' in edit


def test_a_line_that_is_not_opening_hours_is_refused_on_its_day_and_kept(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    data = calendar_post(calendar, {1: "9 till 5"})
    page = html(staff_client.post(reverse("service_levels:calendar_update", args=[calendar.pk]), data))

    assert escape("“9 till 5” is not a time range. Write it like 08:00-17:00.") in page
    assert 'value="9 till 5"' in page
    assert 'data-error-for="id_day_1"' in page
    assert in_tenant(tenant, lambda: BusinessCalendar.objects.get(pk=calendar.pk).weekly_hours["1"]) == [
        ["08:00", "17:00"]
    ]


def test_overlapping_hours_show_the_engines_message_on_each_day_it_names(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant, name="Office")
    data = calendar_post(calendar, {0: "08:00-12:00, 11:00-13:00"})
    page = html(staff_client.post(reverse("service_levels:calendar_update", args=[calendar.pk]), data))

    assert "Overlapping opening hours: Monday 08:00-12:00 and Monday 11:00-13:00." in page
    assert 'data-error-for="id_day_0"' in page
    assert 'value="08:00-12:00, 11:00-13:00"' in page
    assert "Edit Office" in page

    data = calendar_post(calendar, {6: "22:00-09:00"})  # Sunday night runs into Monday 08:00
    page = html(staff_client.post(reverse("service_levels:calendar_update", args=[calendar.pk]), data))
    assert "Sunday 22:00-09:00 runs into Monday 08:00-17:00" in page
    assert 'data-error-for="id_day_6"' in page
    assert 'data-error-for="id_day_0"' in page


def test_an_unknown_holiday_region_is_refused_inline(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    data = calendar_post(calendar, holiday_country="US", holiday_subdivision="zz")
    page = html(staff_client.post(reverse("service_levels:calendar_update", args=[calendar.pk]), data))
    assert escape("US has no subdivision “ZZ”. Use one of: AK, AL") in page
    assert 'data-error-for="id_holiday_subdivision"' in page


def test_the_calendar_page_lists_the_next_public_holidays_and_closures(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant, holiday_country="US", holiday_subdivision="NY")
    ClosureDayFactory(calendar=calendar, date=date(2026, 4, 3), reason="Team retreat")
    ClosureDayFactory(calendar=calendar, date=date(2026, 1, 2), reason="Long ago")
    page = html(staff_client.get(reverse("service_levels:calendar_detail", args=[calendar.pk])))

    days_off = page[page.index("Next days off") :]
    assert days_off.index("Fri 3 Apr 2026") < days_off.index("Memorial Day")  # 25 May
    assert "Team retreat" in days_off
    assert "Long ago" not in page
    assert "1 earlier closure day still count" in page


def test_a_closure_day_is_added_and_removed(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    detail = reverse("service_levels:calendar_detail", args=[calendar.pk])

    response = staff_client.post(
        reverse("service_levels:closure_create", args=[calendar.pk]),
        {"date": "2026-04-03", "reason": "Retreat"},
    )
    assert response.status_code == 302
    assert response.url == detail
    closure = in_tenant(tenant, lambda: ClosureDay.objects.get(calendar=calendar))
    assert (closure.date, closure.reason) == (date(2026, 4, 3), "Retreat")
    page = html(staff_client.get(detail))
    assert "Closed on Fri 3 Apr 2026" in page
    assert 'data-confirm="Open again on Fri 3 Apr 2026?' in page

    response = staff_client.post(reverse("service_levels:closure_remove", args=[closure.pk]))
    assert response.url == detail
    assert not in_tenant(tenant, lambda: ClosureDay.objects.exists())
    assert "Fri 3 Apr 2026 is a working day again." in html(staff_client.get(detail))


def test_a_closure_without_a_date_is_refused_on_the_calendar_page(staff_client, tenant):
    calendar = CalendarFactory(tenant=tenant)
    page = html(
        staff_client.post(reverse("service_levels:closure_create", args=[calendar.pk]), {"reason": "Retreat"})
    )
    assert "This field is required." in page
    assert 'value="Retreat"' in page
    assert "Weekly hours" in page


def test_a_calendar_in_use_cannot_be_deleted(staff_client, tenant, policies, calendars):
    page = html(
        staff_client.post(
            reverse("service_levels:calendar_delete", args=[calendars.extended.pk]), follow=True
        )
    )
    assert "2 SLA targets still use this calendar" in page
    spare = CalendarFactory(tenant=tenant, name="Spare")
    staff_client.post(reverse("service_levels:calendar_delete", args=[spare.pk]))
    assert not in_tenant(tenant, lambda: BusinessCalendar.objects.filter(name="Spare").exists())


# --- Durations -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), ("90m", 90), ("4h", 240), ("1h30m", 90), ("1 h 30 min", 90), ("2d", 2880), ("1:30", 90),
     ("1.5h", 90), (" 45 MIN ", 45), ("1d 2h", 1560)],
)  # fmt: skip
def test_durations_are_read_as_business_minutes(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "soon", "4x", "0", "30 4h", "1.25m", "h"])
def test_what_is_not_a_duration_is_refused(text):
    with pytest.raises(Exception, match=r"duration|minute"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("minutes", "text"), [(240, "4 h"), (90, "1 h 30 min"), (45, "45 min"), (2880, "48 h")]
)
def test_durations_are_shown_as_hours_and_minutes_and_read_back(minutes, text):
    assert minutes_words(minutes) == text
    assert parse_duration(text) == minutes


# --- Policies ------------------------------------------------------------------------------------


def test_a_policy_is_created_with_its_targets_grid(staff_client, tenant, calendars):
    data = policy_post(calendars.extended, P1_first_response="15", P1_onsite="4h", P2_resolution="1h30m")
    data["P1-first_response-calendar"] = str(calendars.always.pk)
    response = staff_client.post(reverse("service_levels:policy_create"), data)

    assert response.status_code == 302
    targets = in_tenant(
        tenant,
        lambda: {
            (t.priority, t.metric): (t.minutes, t.calendar.name)
            for t in SlaTarget.objects.filter(policy__name="Bronze").select_related("calendar")
        },
    )
    assert targets == {
        ("P1", "first_response"): (15, "24/7"),
        ("P1", "onsite"): (240, "Extended hours"),
        ("P2", "resolution"): (90, "Extended hours"),
    }


def test_a_policys_targets_show_back_as_hours_and_minutes_and_can_be_cleared(
    staff_client, tenant, policies, calendars
):
    url = reverse("service_levels:policy_update", args=[policies.gold.pk])
    page = html(staff_client.get(url))
    assert 'name="P1-onsite-minutes" value="4 h"' in page
    assert 'name="P1-resolution-minutes" value="8 h"' in page

    data = policy_post(calendars.extended, P1_onsite="4 h", P1_resolution="")
    data.update(name="Gold", key="gold")
    assert staff_client.post(url, data).status_code == 302
    metrics = in_tenant(
        tenant, lambda: set(SlaTarget.objects.filter(policy=policies.gold).values_list("metric", flat=True))
    )
    assert metrics == {"onsite"}


def test_a_bad_duration_is_shown_in_its_cell_and_nothing_is_lost(staff_client, tenant, calendars):
    data = policy_post(calendars.business, P1_first_response="30m", P2_onsite="4x")
    page = html(staff_client.post(reverse("service_levels:policy_create"), data))

    assert escape("“4x” is not a duration.") in page
    assert 'data-error-for="id_P2-onsite-minutes"' in page
    assert 'value="4x"' in page
    assert 'value="30m"' in page
    assert 'value="Bronze"' in page
    assert not in_tenant(tenant, lambda: SlaPolicy.objects.exists())


def test_a_tier_needs_a_key_and_one_active_policy_per_key(staff_client, tenant, policies, calendars):
    data = policy_post(calendars.business, P1_first_response="1h")
    data["key"] = ""
    page = html(staff_client.post(reverse("service_levels:policy_create"), data))
    assert "Tiers and riders need a key" in page
    assert 'data-error-for="id_key"' in page

    data.update(key="gold", name="Gold 2")
    page = html(staff_client.post(reverse("service_levels:policy_create"), data))
    assert escape("Another active membership tier policy has this key “gold”.") in page

    data = policy_post(calendars.business, P1_first_response="1h")
    data.update(kind="standard", name="Second standard")
    page = html(staff_client.post(reverse("service_levels:policy_create"), data))
    assert 'data-error-for="id_kind"' in page
    assert not in_tenant(
        tenant, lambda: SlaPolicy.objects.filter(name__in=["Gold 2", "Second standard"]).exists()
    )


# --- Priority matrix and issue catalog -----------------------------------------------------------


def test_the_priority_matrix_is_saved_cell_by_cell(staff_client, tenant):
    page = html(staff_client.get(reverse("service_levels:priority_matrix")))
    assert page.count("P1 · Critical</span>") == 1  # only high impact × high urgency is P1 by default

    cells = {f"{i}-{u}": "P4" for i in ("high", "medium", "low") for u in ("high", "medium", "low")}
    cells.update({"high-high": "P1", "high-low": "P2"})
    response = staff_client.post(reverse("service_levels:priority_matrix"), cells, follow=True)
    page = html(response)

    assert "Priority matrix saved: 5 cells changed." in page
    rule = in_tenant(tenant, lambda: PriorityRule.objects.get(impact="high", urgency="low"))
    assert rule.priority == "P2"
    assert '<span class="badge text-bg-warning fs-6 fw-semibold">P2 · High</span>' in page


def test_the_issue_catalog_is_grouped_by_category(staff_client, tenant):
    IssueTypeFactory(tenant=tenant, name="Wi-Fi dropping", category="hardware", work_location="on_site")
    IssueTypeFactory(
        tenant=tenant,
        name="Password reset",
        category="software",
        work_location="remote",
        default_priority="P4",
        expected_turnaround_minutes=90,
    )
    page = html(staff_client.get(reverse("service_levels:issue_type_list")))
    assert (
        page.index("Software") < page.index("Password reset") < page.index("Hardware") < page.index("Wi-Fi")
    )
    assert "1 h 30 min" in page
    assert "P4 · Low" in page
    assert "Remote" in page
    assert "On-site" in page


def test_an_issue_type_is_created_edited_deactivated_and_reactivated(staff_client, tenant):
    data = {"name": "Doorbell offline", "category": "hardware", "default_priority": "P3",
            "work_location": "on_site", "expected_turnaround_minutes": "1d", "description": ""}  # fmt: skip
    assert staff_client.post(reverse("service_levels:issue_type_create"), data).status_code == 302
    issue_type = in_tenant(tenant, lambda: IssueType.objects.get(name="Doorbell offline"))
    assert issue_type.expected_turnaround_minutes == 24 * 60

    edit = reverse("service_levels:issue_type_update", args=[issue_type.pk])
    assert 'value="24 h"' in html(staff_client.get(edit))
    page = html(
        staff_client.post(edit, {**data, "name": "doorbell offline ", "expected_turnaround_minutes": "soon"})
    )
    assert escape("“soon” is not a duration.") in page

    shown = html(
        staff_client.post(
            reverse("service_levels:issue_type_active", args=[issue_type.pk]),
            {"action": "deactivate"},
            follow=True,
        )
    )
    assert not in_tenant(tenant, lambda: IssueType.objects.get(pk=issue_type.pk).is_active)
    assert escape("“Doorbell offline” is no longer offered in the catalog.") in shown
    assert "Reactivate" in shown  # the list shows inactive ones after a deactivation, to undo it
    assert "Doorbell offline" not in html(staff_client.get(reverse("service_levels:issue_type_list")))

    staff_client.post(
        reverse("service_levels:issue_type_active", args=[issue_type.pk]), {"action": "reactivate"}
    )
    assert in_tenant(tenant, lambda: IssueType.objects.get(pk=issue_type.pk).is_active)


def test_issue_type_names_are_unique_in_the_catalog(staff_client, tenant):
    IssueTypeFactory(tenant=tenant, name="Doorbell offline")
    data = {"name": "DOORBELL OFFLINE", "category": "hardware", "default_priority": "P3",
            "work_location": "on_site", "expected_turnaround_minutes": "4h"}  # fmt: skip
    page = html(staff_client.post(reverse("service_levels:issue_type_create"), data))
    assert "The catalog already has an issue type with this name." in page


# --- Deadline preview ----------------------------------------------------------------------------


def preview(browser, **params):
    return browser.get(reverse("service_levels:preview"), params)


def test_the_preview_starts_empty_with_now_as_the_start(staff_client, tenant, policies):
    ClientFactory(tenant=tenant, name="Whitaker Residence")
    page = html(preview(staff_client))
    assert 'value="2026-03-02T09:00"' in page  # now, in New York
    assert "Choose a client and a priority or an issue type." in page
    assert "Whitaker Residence" in page
    assert "Premium Response" in page


def test_an_unsigned_client_gets_basic_triage_and_says_why(staff_client, tenant, policies):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    page = html(
        preview(
            staff_client,
            client=whitaker.pk,
            priority="P1",
            what_if="on",
            tier="gold",
            riders="premium-response",
        )
    )

    assert escape("Whitaker Residence has no signed service contract: basic triage only.") in page
    assert "Riders apply only under a signed contract, so they are ignored." in page
    assert "Policy: <strong>Basic triage</strong>" in page
    assert escape("The “Basic triage” policy sets no on-site arrival target for P1.") in page


def test_by_default_the_preview_reads_the_clients_own_agreement(staff_client, tenant, policies):
    from contracts import agreements
    from contracts.models import ContractTemplate, ContractVersion

    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    with tenant_scope(tenant):
        template = ContractTemplate.objects.create(tenant=tenant, name="Service Agreement")
        version = ContractVersion.objects.create(
            tenant=tenant, template=template, number=1, title="SA", terms_markdown="Terms", status="published"
        )
        gold = PlanFactory(tenant=tenant, key="gold")  # grants the Gold policy
        agreement = agreements.create_agreement(client=whitaker, version=version, actor="owner", plan=gold)
        agreements.mark_sent(agreement, actor="owner")
        agreements.mark_signed(agreement, actor="Pat")
    page = html(preview(staff_client, client=whitaker.pk, priority="P1"))
    assert escape("Whitaker Residence has a signed contract on the “Gold” tier.") in page
    assert "Policy: <strong>Gold</strong>" in page


def test_the_premium_response_rider_tightens_and_says_so(staff_client, tenant, policies):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    page = html(
        preview(
            staff_client, client=whitaker.pk, priority="P1", what_if="on", has_signed_contract="on",
            tier="gold", riders="premium-response", start="2026-03-02T10:00",
        )
    )  # fmt: skip
    assert escape("The “Premium Response” rider sets first response for P1.") in page
    assert "10 min" in page
    assert (
        '<span class="fw-medium text-nowrap" data-due="first_response">Mon 2 Mar 2026, 10:10 EST</span>'
        in page
    )


def test_a_gold_p1_reported_friday_evening_is_due_on_site_saturday_morning(staff_client, tenant, policies):
    """Gold's on-site target is 4 h on extended hours (weekdays 07-19, Saturday 09-13): 2 h on Friday
    until 19:00, then 2 h from 09:00 on Saturday."""
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    page = html(
        preview(staff_client, client=whitaker.pk, priority="P1", what_if="on", has_signed_contract="on",
                tier="gold", start="2026-03-06T17:00")
    )  # fmt: skip
    assert "Reported <strong>Fri 6 Mar 2026, 17:00 EST</strong>" in page
    assert '<span class="fw-medium text-nowrap" data-due="onsite">Sat 7 Mar 2026, 11:00 EST</span>' in page
    assert 'Sat 7 Mar, 16:00 UTC</span> · <span class="text-nowrap">18 h after the report' in page
    assert "America/New_York" in page


def test_the_priority_comes_from_the_issue_type_and_remote_issues_have_no_site_visit(
    staff_client, tenant, policies
):
    whitaker = ClientFactory(tenant=tenant)
    issue_type = IssueTypeFactory(
        tenant=tenant, name="Password reset", default_priority="P1", work_location="remote"
    )
    page = html(
        preview(
            staff_client,
            client=whitaker.pk,
            issue_type=issue_type.pk,
            what_if="on",
            has_signed_contract="on",
            tier="gold",
        )
    )
    assert escape("Priority P1 is the default of the issue type “Password reset”.") in page
    assert escape("“Password reset” is fixed remotely: no site visit is promised.") in page


def test_a_preview_without_a_priority_or_issue_type_says_what_is_missing(staff_client, tenant, policies):
    whitaker = ClientFactory(tenant=tenant)
    page = html(preview(staff_client, client=whitaker.pk, priority=""))
    assert "Choose a priority, or an issue type whose default priority applies." in page


@pytest.mark.parametrize("start", ["9999-12-31T23:59", "1999-12-31T12:00", "2101-01-01T12:00"])
def test_a_start_outside_the_supported_years_is_a_form_error(start, staff_client, tenant, policies):
    whitaker = ClientFactory(tenant=tenant)
    response = preview(staff_client, client=whitaker.pk, priority="P1", start=start)
    assert response.status_code == 200
    page = html(response)
    assert "Choose a moment from 2000 to 2100." in page
    assert 'data-due="' not in page


def test_htmx_gets_only_the_result_and_the_url_keeps_the_question(staff_client, tenant, policies):
    whitaker = ClientFactory(tenant=tenant, name="Whitaker Residence")
    response = staff_client.get(
        reverse("service_levels:preview"), {"client": whitaker.pk, "priority": "P2"}, HTTP_HX_REQUEST="true"
    )
    fragment = html(response)
    assert "Whitaker Residence" in fragment
    assert "<html" not in fragment
    assert "<form" not in fragment
    page = html(staff_client.get(reverse("service_levels:preview")))
    assert 'method="get"' in page
    assert 'hx-push-url="true"' in page
    assert 'hx-target="#result"' in page
