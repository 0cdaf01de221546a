"""Malformed input gets a 4xx in the API's error format, never a 500: JSON nested too deep, NUL
characters and lone surrogates anywhere, bodies over the size limit, dates the SLA engine does not cover."""

import json

import pytest
import yaml
from django.test import Client as DjangoClient

from api.input_limits import MAX_JSON_DEPTH, UnacceptableInput, check_json_depth
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def collection_posts():
    """Every POST of the published schema without path parameters (those answer 404 before reading)."""
    schema = yaml.safe_load(DjangoClient().get("/api/v1/schema/").content)
    return sorted(path for path, item in schema["paths"].items() if "post" in item and "{" not in path)


def post_raw(client, path, body: bytes | str):
    return client.generic("POST", path, body, content_type="application/json")


def parse_error(response, api_error) -> str:
    body = api_error(response, 400)
    assert body["type"] == "client_error"
    assert [error["code"] for error in body["errors"]] == ["parse_error"]
    return body["errors"][0]["detail"]


@pytest.mark.parametrize("path", collection_posts())
def test_json_nested_five_thousand_deep_is_a_400_on_every_post(path, writer, api_error):
    response = post_raw(writer, path, "[" * 5000 + "]" * 5000)
    assert f"at most {MAX_JSON_DEPTH}" in parse_error(response, api_error)


def test_json_nested_to_the_limit_is_parsed(writer, api_error):
    nested = json.dumps({"name": "Deep", "notes": "x"})
    for _ in range(MAX_JSON_DEPTH - 1):
        nested = f"[{nested}]"
    response = post_raw(writer, "/api/v1/clients/", nested)
    body = api_error(response, 400)
    assert body["type"] == "validation_error"  # parsed, then refused as not a client


def test_brackets_inside_strings_do_not_count_as_depth():
    check_json_depth(json.dumps({"name": "[" * 1000 + "{" * 1000}))
    check_json_depth('{"a": "\\"[[[[", "b": [1]}', limit=2)
    with pytest.raises(UnacceptableInput):
        check_json_depth('{"a": [[1]]}', limit=2)


def test_an_unterminated_string_of_escaped_quotes_is_scanned_quickly(writer, api_error):
    response = post_raw(writer, "/api/v1/clients/", '"' + '\\"' * 500_000)
    assert "JSON parse error" in parse_error(response, api_error)


@pytest.mark.parametrize(
    "body",
    [
        '{"name": "\\ud800"}',  # a lone surrogate in a string field
        '{"name": "Boathouse", "timezone": "\\udfff"}',  # ... in a choice field
        '{"name": "Nul\\u0000Residence"}',  # NUL in a string
        '{"name\\u0000": "Boathouse"}',  # ... in a key
        '{"name": "Boathouse", "tags": [["\\ud83d"]]}',  # nested deeper
    ],
)
def test_nul_characters_and_lone_surrogates_in_json_are_a_400(body, writer, api_error):
    assert "cannot be stored" in parse_error(post_raw(writer, "/api/v1/clients/", body), api_error)


def test_a_surrogate_pair_is_an_ordinary_character(writer, tenant):
    response = post_raw(writer, "/api/v1/clients/", '{"name": "Piano \\ud83c\\udfb9 Studio"}')
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Piano 🎹 Studio"


def test_a_lone_surrogate_in_a_choice_field_of_effective_sla_is_a_400(reader, a_client, api_error):
    body = json.dumps({"client": a_client.pk, "has_signed_contract": True}).replace(
        "}", ', "priority": "\\ud800"}'
    )
    assert "surrogate" in parse_error(post_raw(reader, "/api/v1/effective-sla/", body), api_error)


@pytest.mark.parametrize("query", ["search=%00", "name=a%00b", "cur%00sor=1", "search=%ED%A0%80%00"])
def test_nul_in_a_query_parameter_is_a_400(query, reader, tenant, api_error):
    ClientFactory(tenant=tenant)
    detail = parse_error(reader.get(f"/api/v1/clients/?{query}"), api_error)
    assert detail == "The query string contains a NUL character (\\u0000), which cannot be stored."


def test_nul_in_the_path_is_a_400(reader, api_error):
    assert "The address" in parse_error(reader.get("/api/v1/clients/%00/"), api_error)


def test_a_body_over_the_limit_is_a_413(writer, api_error, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = json.dumps({"name": "Big", "notes": "x" * (20 * 1024 * 1024)})
    response = post_raw(writer, "/api/v1/clients/", body)
    error = api_error(response, 413)
    assert error == {
        "type": "client_error",
        "errors": [
            {
                "code": "request_too_large",
                "detail": f"The request body is larger than the limit of {limit:,} bytes.",
                "attr": None,
            }
        ],
    }


def test_a_body_just_under_the_limit_is_read(writer, settings, api_error):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"name": "Small", "notes": "x" * 900})
    assert len(body) <= 1000
    assert post_raw(writer, "/api/v1/clients/", body).status_code == 201
    assert api_error(post_raw(writer, "/api/v1/clients/", body + " " * 100), 413)


def test_a_body_without_content_length_is_still_cut_at_the_limit(writer, settings, api_error):
    """The parser reads at most the limit and one byte, whatever Content-Length said."""
    from io import BytesIO

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.errors import RequestTooLarge
    from api.parsers import LimitedJSONParser

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10
    request = Request(APIRequestFactory().post("/"))
    with pytest.raises(RequestTooLarge):
        LimitedJSONParser().parse(
            BytesIO(b'{"name": "longer than ten"}'), parser_context={"request": request}
        )


def test_the_limits_are_in_the_api_description(settings):
    schema = yaml.safe_load(DjangoClient().get("/api/v1/schema/").content)
    description = schema["info"]["description"]
    assert f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes" in description
    assert f"at most {MAX_JSON_DEPTH}" in description
    assert "413" in schema["paths"]["/api/v1/clients/"]["post"]["responses"]
    assert "413" not in schema["paths"]["/api/v1/clients/"]["get"]["responses"]


def test_request_data_too_big_met_inside_a_view_is_a_413(settings):
    """Anything reading ``request.body`` past the limit (the Idempotency-Key fingerprint, say) raises
    Django's RequestDataTooBig; the API's exception handler answers it as the documented 413."""
    from django.core.exceptions import RequestDataTooBig
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.exception_handler import ApiExceptionHandler

    request = Request(APIRequestFactory().post("/api/v1/clients/"))
    response = ApiExceptionHandler(RequestDataTooBig(), {"request": request, "view": None}).run()
    assert response.status_code == 413
    assert response.data["errors"][0]["code"] == "request_too_large"
