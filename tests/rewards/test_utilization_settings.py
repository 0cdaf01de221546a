"""The utilisation program's settings: validated as a whole (nothing saved on a bad value), per tenant,
through the service, the API and the staff page."""

from decimal import Decimal

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client as DjangoClient

from reports.selectors import utilization_target
from rewards.models import UtilizationProgram, UtilizationTier
from rewards.utilization import program_settings, save_utilization_program
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import api_key_for
from tests.rewards.utilization_setup import TWO_TIERS, switch_on

pytestmark = pytest.mark.django_db

URL = "/api/v1/reward-programs/utilization/"
PAGE = "/rewards/programs/utilization/"


def save(tenant, *, enabled=True, target="20", tiers=TWO_TIERS):
    with tenant_scope(tenant):
        return save_utilization_program(enabled=enabled, target_percent=target, tiers=tiers, actor="test")


def test_a_tenant_that_never_saved_the_program_has_it_off_with_a_20_percent_target(tenant):
    with tenant_scope(tenant):
        settings = program_settings()
    assert (settings.enabled, settings.target_percent, settings.tiers) == (False, Decimal("20"), ())


def test_tiers_are_kept_most_demanding_first_and_replaced_as_a_whole(tenant):
    settings = save(tenant)
    assert [(t.below_percent, t.reward_percent, t.name) for t in settings.tiers] == [
        (Decimal("10"), Decimal("10"), "Quiet"),
        (Decimal("20"), Decimal("5"), "Steady"),
    ]
    settings = save(tenant, target="15", tiers=[{"below_percent": "7.5", "reward_percent": "3"}])
    assert [(t.below_percent, t.reward_percent, t.name) for t in settings.tiers] == [
        (Decimal("7.5"), Decimal("3"), "")
    ]
    with tenant_scope(tenant):
        assert UtilizationTier.objects.count() == 1


@pytest.mark.parametrize(
    ("target", "tiers", "message"),
    [
        ("0", TWO_TIERS, "The target must be above 0 and at most 100"),
        ("abc", TWO_TIERS, "The target must be a number"),
        (
            "20",
            [{"below_percent": "120", "reward_percent": "5"}],
            "threshold must be above 0 and at most 100",
        ),
        ("20", [{"below_percent": "10", "reward_percent": "0"}], "reward must be above 0"),
        ("20", [{"below_percent": "25", "reward_percent": "5"}], "above the 20% target"),
        (
            "20",
            [{"below_percent": "10", "reward_percent": "5"}, {"below_percent": "10", "reward_percent": "8"}],
            "same threshold (10%)",
        ),
        (
            "20",
            [{"below_percent": "10", "reward_percent": "5"}, {"below_percent": "20", "reward_percent": "8"}],
            "The tier under 10% must give more than the tier under 20% (8% off)",
        ),
        ("20", [], "Add at least one tier"),
    ],
)
def test_bad_settings_are_refused_with_a_plain_message_and_nothing_changes(tenant, target, tiers, message):
    save(tenant)
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        save(tenant, target=target, tiers=tiers)
    with tenant_scope(tenant):
        assert [(t.below_percent, t.reward_percent) for t in program_settings().tiers] == [
            (Decimal("10"), Decimal("10")),
            (Decimal("20"), Decimal("5")),
        ]


def test_a_tenant_sees_and_changes_only_its_own_program(tenant, other_tenant):
    save(tenant)
    with tenant_scope(other_tenant):
        assert program_settings().enabled is False
        assert not UtilizationProgram.objects.exists()


# --- API -----------------------------------------------------------------------------------------------


def test_the_api_reads_replaces_and_patches_the_program(tenant):
    _, key = api_key_for(tenant, ["read", "write"])
    api = api_client(key)

    assert api.get(URL).json() == {
        "enabled": False,
        "target_percent": "20.00",
        "tiers": [],
        "updated_at": None,
        "updated_by": "",
    }
    body = {
        "enabled": True,
        "target_percent": "18",
        "tiers": [
            {"below_percent": "9", "reward_percent": "10"},
            {"below_percent": "15", "reward_percent": "4"},
        ],
    }
    saved = api.put(URL, body, format="json")
    assert saved.status_code == 200, saved.content
    assert saved.json()["tiers"] == [
        {"below_percent": "9.00", "reward_percent": "10.00", "name": ""},
        {"below_percent": "15.00", "reward_percent": "4.00", "name": ""},
    ]
    patched = api.patch(URL, {"enabled": False}, format="json")
    assert (patched.json()["enabled"], patched.json()["target_percent"]) == (False, "18.00")
    assert len(patched.json()["tiers"]) == 2
    assert patched.json()["updated_by"].startswith("API key")


def test_the_api_answers_bad_settings_in_the_error_format_and_keeps_the_old_ones(tenant):
    save(tenant)
    _, key = api_key_for(tenant, ["read", "write"])
    api = api_client(key)

    response = api.patch(URL, {"tiers": [{"below_percent": "30", "reward_percent": "5"}]}, format="json")

    body = check_error(response, 400)
    assert "above the 20% target" in body["errors"][0]["detail"]
    assert len(api.get(URL).json()["tiers"]) == 2


def test_a_read_key_reads_but_cannot_change_the_program(tenant):
    _, key = api_key_for(tenant, ["read"])
    api = api_client(key)
    assert api.get(URL).status_code == 200
    check_error(api.patch(URL, {"enabled": True}, format="json"), 403)


def test_the_schema_documents_the_program_settings():
    schema = yaml.safe_load(DjangoClient().get("/api/v1/schema/").content)
    assert set(schema["paths"][URL]) == {"get", "put", "patch"}
    assert schema["paths"][URL]["get"]["summary"] == "Get the utilisation rewards program"


# --- Staff page ----------------------------------------------------------------------------------------


def test_the_settings_page_saves_the_target_and_tiers(tenant, staff_client):
    page = staff_client.get(PAGE)
    assert page.status_code == 200
    assert "Utilisation rewards" in page.content.decode()
    response = staff_client.post(
        PAGE,
        {
            "enabled": "on",
            "target_percent": "20",
            "tiers-TOTAL_FORMS": "2",
            "tiers-INITIAL_FORMS": "0",
            "tiers-0-below_percent": "20",
            "tiers-0-reward_percent": "5",
            "tiers-0-name": "Steady",
            "tiers-1-below_percent": "10",
            "tiers-1-reward_percent": "10",
            "tiers-1-name": "",
        },
    )
    assert response.status_code == 302
    with tenant_scope(tenant):
        settings = program_settings()
    assert settings.enabled
    assert [(t.below_percent, t.reward_percent, t.name) for t in settings.tiers] == [
        (Decimal("10"), Decimal("10"), ""),
        (Decimal("20"), Decimal("5"), "Steady"),
    ]


def test_the_settings_page_adds_and_removes_rows_without_saving_and_keeps_what_was_typed(
    tenant, staff_client
):
    switch_on(tenant)
    form = {
        "enabled": "on",
        "target_percent": "20",
        "tiers-TOTAL_FORMS": "2",
        "tiers-INITIAL_FORMS": "0",
        "tiers-0-below_percent": "20",
        "tiers-0-reward_percent": "5",
        "tiers-1-below_percent": "12",
        "tiers-1-reward_percent": "7",
    }
    added = staff_client.post(PAGE, {**form, "add_tier": "1"})
    assert added.status_code == 200
    assert added.context["formset"].total_form_count() == 3
    assert 'value="12"' in added.content.decode()
    removed = staff_client.post(PAGE, {**form, "remove_tier": "0"})
    assert [f["below_percent"].value() for f in removed.context["formset"]] == ["12"]
    with tenant_scope(tenant):
        assert [t.below_percent for t in program_settings().tiers] == [Decimal("10"), Decimal("20")]


def test_the_settings_page_shows_a_refused_change_next_to_the_form(tenant, staff_client):
    response = staff_client.post(
        PAGE,
        {
            "enabled": "on",
            "target_percent": "20",
            "tiers-TOTAL_FORMS": "1",
            "tiers-INITIAL_FORMS": "0",
            "tiers-0-below_percent": "30",
            "tiers-0-reward_percent": "5",
        },
    )
    assert response.status_code == 200
    assert "above the 20% target" in response.content.decode()
    with tenant_scope(tenant):
        assert not UtilizationProgram.objects.exists()


def test_only_owners_and_managers_change_the_program(tenant, login_as, client):
    login_as(tenant, Role.TECHNICIAN)
    assert client.get(PAGE).status_code == 403


def test_the_utilisation_report_uses_the_target_of_the_program(tenant, staff_client):
    save(tenant, target="12.5", tiers=[{"below_percent": "10", "reward_percent": "5"}])
    page = staff_client.get("/reports/utilization/")
    assert "the target is at most 12.5 per 100" in page.content.decode()
    with tenant_scope(tenant):
        assert utilization_target() == 12.5
