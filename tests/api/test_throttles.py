"""API rate limits: 429 with Retry-After past a limit, per key, per staff member, per IP; documented."""

import time

import pytest
from django.conf import settings as django_settings

from tests.factories import api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    """rates(**{"key_burst": "3/min"}): lower some limits for one test."""

    def lower(**overrides):
        # The limits count in fixed windows (accounts.rate_limits): a test's few requests must not straddle
        # the turn of a minute or a day, where the count starts again.
        to_next_minute = 60 - time.time() % 60
        if to_next_minute < 5 or (86400 - time.time() % 86400) < 5:
            time.sleep(to_next_minute + 0.1)
        settings.REST_FRAMEWORK = {
            **django_settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **overrides,
            },
        }

    return lower


def test_a_key_past_its_burst_limit_gets_429_with_retry_after_and_the_standard_error(
    tenant, rates, api_as, api_error
):
    rates(key_burst="3/min")
    _, clear_key = api_key_for(tenant)
    partner = api_as(clear_key)

    answers = [partner.get("/api/v1/clients/").status_code for _ in range(3)]
    refused = partner.get("/api/v1/clients/")

    assert answers == [200, 200, 200]
    error = api_error(refused, 429)["errors"][0]
    assert error["code"] == "throttled"
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_each_key_has_its_own_count(tenant, rates, api_as):
    rates(key_burst="2/min")
    _, first = api_key_for(tenant, name="First")
    _, second = api_key_for(tenant, name="Second")
    for _ in range(2):
        api_as(first).get("/api/v1/clients/")

    assert api_as(first).get("/api/v1/clients/").status_code == 429
    assert api_as(second).get("/api/v1/clients/").status_code == 200


def test_the_daily_limit_applies_too(tenant, rates, api_as):
    rates(key_sustained="2/day")
    _, clear_key = api_key_for(tenant)
    for _ in range(2):
        api_as(clear_key).get("/api/v1/clients/")

    refused = api_as(clear_key).get("/api/v1/clients/")

    assert refused.status_code == 429
    assert 60 < int(refused["Retry-After"]) <= 86400


def test_a_signed_in_staff_member_is_counted_per_user(tenant, owner, rates, client):
    rates(user_burst="2/min")
    client.force_login(owner)
    for _ in range(2):
        assert client.get("/api/v1/clients/").status_code == 200

    assert client.get("/api/v1/clients/").status_code == 429


def test_bad_keys_are_counted_per_ip(tenant, rates, api_as, api_error):
    rates(anon_burst="3/min")
    answers = [api_as(f"acc_000000000000_guess{n}").get("/api/v1/clients/").status_code for n in range(3)]

    refused = api_as("acc_000000000000_guess4").get("/api/v1/clients/")

    assert answers == [401, 401, 401]
    assert api_error(refused, 429)["errors"][0]["code"] == "throttled"
    assert "Retry-After" in refused


def test_behind_a_trusted_proxy_bad_keys_are_counted_per_client_address(tenant, rates, api_as, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    rates(anon_burst="2/min")
    office = api_as("acc_000000000000_guess")
    for _ in range(2):
        office.get("/api/v1/clients/", HTTP_X_FORWARDED_FOR="203.0.113.9")

    # The same proxy (REMOTE_ADDR) forwards another client: that client has its own count.
    other = api_as("acc_000000000000_guess").get("/api/v1/clients/", HTTP_X_FORWARDED_FOR="198.51.100.7")
    refused = office.get("/api/v1/clients/", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert other.status_code == 401
    assert refused.status_code == 429


def test_the_default_limits_let_a_busy_integration_through():
    rates = django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]

    assert rates["key_burst"] == "3000/min"
    assert rates["key_sustained"] == "250000/day"


def test_every_operation_documents_its_429_and_the_docs_state_the_limits(api_as):
    schema = api_as().get("/api/v1/schema/?format=json").json()
    missing = [
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "put", "patch", "post", "delete"} and "429" not in operation["responses"]
    ]

    assert missing == []
    assert "3000/min and 250000/day per API key" in schema["info"]["description"]
    assert "Retry-After" in schema["info"]["description"]
