"""What every partner-API view shares: calling a service (its validation errors become the API's 400),
and who is calling (an API key or a signed-in staff member), as history rows record it."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError as DRFValidationError

from accounts.models import User
from api.viewsets import calling_staff_user, request_actor, through_service


def refuse(**errors):
    raise DjangoValidationError(errors)


def test_a_service_called_through_the_api_returns_what_the_service_returns():
    assert (
        through_service(lambda name, *, city: f"{name} in {city}", "Boathouse", city="Rye")
        == "Boathouse in Rye"
    )


def test_a_service_refusing_a_field_is_the_api_validation_error_on_that_field():
    with pytest.raises(DRFValidationError) as raised:
        through_service(refuse, name=["Taken."])

    assert raised.value.detail == {"name": ["Taken."]}


def test_a_service_refusing_the_whole_object_is_the_api_non_field_error():
    with pytest.raises(DRFValidationError) as raised:
        through_service(refuse, **{NON_FIELD_ERRORS: ["Clash."]})

    assert raised.value.detail == {"non_field_errors": ["Clash."]}


def test_a_service_refusing_with_a_bare_message_is_a_non_field_error():
    def closed():
        raise DjangoValidationError("This campaign is closed.")

    with pytest.raises(DRFValidationError) as raised:
        through_service(closed)

    assert raised.value.detail == {"non_field_errors": ["This campaign is closed."]}


def test_other_errors_of_a_service_are_not_swallowed():
    def broken():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        through_service(broken)


def drf_request(*, user, api_key=None):
    return SimpleNamespace(user=user, _request=SimpleNamespace(api_key=api_key))


def test_a_call_with_an_api_key_is_made_by_the_key_and_no_staff_member():
    request = drf_request(user=SimpleNamespace(pk=None), api_key=SimpleNamespace(name="Monitoring"))

    assert request_actor(request) == "API key “Monitoring”"
    assert calling_staff_user(request) is None


def test_a_call_in_a_staff_session_is_made_by_that_staff_member():
    grace = User(full_name="Grace Hopper", email="grace@northwind-av.example")
    request = drf_request(user=grace)

    assert request_actor(request) == "Grace Hopper <grace@northwind-av.example>"
    assert calling_staff_user(request) is grace
