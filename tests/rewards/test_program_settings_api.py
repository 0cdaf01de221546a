"""The programs' settings in the partner API answer as their schema says: one object per program (not a
list), OPTIONS describes them, and an error inside a list of tiers names its position in a way the
published schema accepts."""

import re

import pytest
import yaml
from django.test import Client

from tests.api.conftest import api_client, check_error
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return yaml.safe_load(Client().get("/api/v1/schema/").content)


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


@pytest.mark.parametrize("program", ["utilization", "best-practices", "referrals"])
def test_a_programs_settings_are_one_object(schema, tenant, program):
    operation = schema["paths"][f"/api/v1/reward-programs/{program}/"]["get"]
    documented = _resolve(schema, operation["responses"]["200"]["content"]["application/json"]["schema"])
    answer = api_client(api_key_for(tenant)[1]).get(f"/api/v1/reward-programs/{program}/")
    assert answer.status_code == 200
    assert documented.get("type", "object") == "object"
    assert isinstance(answer.json(), dict)


@pytest.mark.parametrize("program", ["utilization", "best-practices", "referrals", "anniversaries"])
def test_options_describes_a_programs_settings(tenant, program):
    answer = api_client(api_key_for(tenant)[1]).options(f"/api/v1/reward-programs/{program}/")
    assert answer.status_code == 200
    assert answer.json()["name"]


def test_an_error_in_a_tier_names_its_position_as_the_schema_says(schema, tenant):
    body = {
        "enabled": True,
        "target_percent": "20",
        "tiers": [{"below_percent": "10", "reward_percent": "5"}, {"below_percent": ""}],
    }
    answer = api_client(api_key_for(tenant)[1]).put(
        "/api/v1/reward-programs/utilization/", body, format="json"
    )
    error = check_error(answer, 400)["errors"][0]
    assert error["attr"] == "tiers.1.below_percent"
    components = schema["components"]["schemas"]
    patterns = [
        component["properties"]["attr"]["pattern"]
        for name, component in components.items()
        if name.startswith("RewardProgramsUtilizationUpdateTiers")
        and "pattern" in component["properties"]["attr"]
    ]
    assert any(re.search(pattern, error["attr"]) for pattern in patterns)
    assert not any(
        "INDEX" in str(c["properties"]["attr"].get("enum", ""))
        for c in components.values()
        if "properties" in c and "attr" in c["properties"]
    )


def test_a_missing_list_of_tiers_is_documented_where_it_is_reported(schema, tenant):
    answer = api_client(api_key_for(tenant)[1]).put("/api/v1/reward-programs/utilization/", {}, format="json")
    attrs = {error["attr"] for error in check_error(answer, 400)["errors"]}
    assert "tiers" in attrs
    documented = {
        value
        for name, component in schema["components"]["schemas"].items()
        if name.startswith("RewardProgramsUtilizationUpdate") and "attr" in component.get("properties", {})
        for value in component["properties"]["attr"].get("enum", [])
    }
    assert attrs <= documented
