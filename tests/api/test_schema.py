"""The OpenAPI schema and the Swagger UI docs: public, valid, complete, and served under our CSP."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

HTTP_METHODS = {"get", "put", "patch", "post", "delete"}

RESOURCE_PATHS = {
    "/api/v1/clients/",
    "/api/v1/clients/{id}/",
    "/api/v1/contacts/",
    "/api/v1/contacts/{id}/",
    "/api/v1/sites/",
    "/api/v1/sites/{id}/",
}
HTTP_METHODS = {"get", "put", "patch", "post", "delete"}


@pytest.fixture(scope="module")
def schema():
    """The served schema, fetched once: it does not depend on the database."""
    response = Client().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


# --- The schema -----------------------------------------------------------------------------------


def test_the_schema_is_public(api_as, client, owner):
    assert api_as().get("/api/v1/schema/").status_code == 200
    assert api_as("acc_broken_key").get("/api/v1/schema/").status_code == 200  # a bad key is no bar
    client.force_login(owner)
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_schema_is_a_valid_openapi_3_document_of_the_three_resources(schema):
    validate(schema)

    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= RESOURCE_PATHS
    assert set(schema["paths"]["/api/v1/clients/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/clients/{id}/"]) == {"get", "put", "patch", "delete"}


def test_the_schema_is_also_served_as_json(api_as):
    response = api_as().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert set(response.json()["paths"]) >= RESOURCE_PATHS


def test_every_operation_names_each_way_to_authenticate_once(schema):
    assert set(schema["components"]["securitySchemes"]) == {"ApiKey", "StaffSession"}
    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    for path, method, operation in operations(schema):
        assert operation["security"] == [{"ApiKey": []}, {"StaffSession": []}], (method, path)


def test_every_operation_documents_the_standard_error_format(schema):
    for path, method, operation in operations(schema):
        for status in ("401", "403", "404"):
            reference = operation["responses"][status]["content"]["application/json"]["schema"]["$ref"]
            assert reference.startswith("#/components/schemas/ErrorResponse"), (method, path, status)
    error = schema["components"]["schemas"]["Error404"]
    assert set(error["properties"]) == {"code", "detail", "attr"}


def test_the_schema_documents_archiving_filters_and_pages(schema):
    clients = schema["paths"]["/api/v1/clients/"]["get"]
    contacts = schema["paths"]["/api/v1/contacts/"]["get"]
    parameters = {parameter["name"] for parameter in clients["parameters"]}

    assert {"archived", "name", "search", "cursor", "page_size"} <= parameters
    assert {"client", "archived", "can_sign", "email"} <= {p["name"] for p in contacts["parameters"]}
    assert clients["description"].startswith("Active and archived clients alike")
    for resource in ("clients", "contacts", "sites"):
        destroy = schema["paths"][f"/api/v1/{resource}/{{id}}/"]["delete"]
        assert destroy["summary"].startswith("Archive")
        assert "kept" in destroy["description"]


def test_the_schema_passes_spectacular_validate_with_warnings_as_errors(tmp_path):
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    assert set(yaml.safe_load(target.read_text())["paths"]) >= RESOURCE_PATHS


# --- The docs page --------------------------------------------------------------------------------


def test_the_docs_page_loads_its_assets_from_our_own_static_files(api_as):
    client = api_as()
    response = client.get("/api/v1/docs/")
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    scripts = [url for url in assets if url.startswith("/api/")]
    static = [url for url in assets if url.startswith("/static/")]
    assert scripts == ["/api/v1/docs/?script="]
    assert len(static) == len(assets) - 1
    assert any("swagger-ui-bundle" in url for url in static)
    assert not re.search(r"https?://", html), "no CDN or other outside URL"
    for url in static:
        asset = client.get(url)
        assert asset.status_code == 200, url
        getattr(asset, "close", lambda: None)()


def test_the_docs_page_has_nothing_inline_that_our_csp_would_block(api_as):
    response = api_as().get("/api/v1/docs/")
    html = response.content.decode()
    policy = response["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    for script in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in script, "inline script"
    assert "<style" not in html, "inline style block"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"


def test_the_docs_init_script_is_served_as_javascript_from_its_own_url(api_as):
    response = api_as().get("/api/v1/docs/?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()
    assert "SwaggerUIBundle" in response.content.decode()


REPORTS = ("sla-compliance", "breaches", "utilization", "mrr", "profitability")


@pytest.mark.parametrize("report", REPORTS)
def test_a_report_documents_one_object_and_its_bad_query_as_a_validation_error(schema, report):
    answers = schema["paths"][f"/api/v1/reports/{report}/"]["get"]["responses"]
    ok = answers["200"]["content"]["application/json"]["schema"]
    assert "$ref" in ok, f"{report} must be documented as one object, not an array"
    bad = answers["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert "validation_error" in schema["components"]["schemas"][bad]["discriminator"]["mapping"]


def test_an_mrr_month_is_documented_as_the_yyyy_mm_it_answers(schema):
    month = schema["components"]["schemas"]["MrrMonth"]["properties"]["month"]

    assert (month["type"], month["pattern"]) == ("string", r"^\d{4}-\d{2}$")


# --- Answers match the schema ---------------------------------------------------------------------


def _json_schema(node, components):
    """An OpenAPI 3.0 schema as JSON Schema: references inlined, `nullable` as a null type, and no
    discriminator (JSON Schema has none; the oneOf alone must pick one)."""
    if isinstance(node, list):
        return [_json_schema(item, components) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _json_schema(components[node["$ref"].rsplit("/", 1)[-1]], components)
    converted = {
        key: _json_schema(value, components) for key, value in node.items() if key != "discriminator"
    }
    if converted.pop("nullable", False):
        converted = {"anyOf": [converted, {"type": "null"}]}
    return converted


def assert_documented(schema, path, method, response):
    """The answer's status is documented for the operation, and its JSON body matches that schema."""
    from jsonschema import validate as validate_json

    responses = schema["paths"][path][method]["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code, response.content)
    body_schema = responses[str(response.status_code)]["content"]["application/json"]["schema"]
    validate_json(response.json(), _json_schema(body_schema, schema["components"]["schemas"]))


def test_a_model_validation_error_from_a_service_matches_the_schema(schema, writer):
    """The service's full_clean reports an empty weekly_hours as `blank`, which the schema now lists."""
    answer = writer.post(
        "/api/v1/calendars/", {"name": "Hours", "timezone": "UTC", "weekly_hours": {}}, format="json"
    )
    assert answer.status_code == 400
    assert [e["code"] for e in answer.json()["errors"]] == ["blank"]
    assert_documented(schema, "/api/v1/calendars/", "post", answer)


def test_a_null_list_item_is_documented_at_its_position(schema, writer):
    answer = writer.patch(
        "/api/v1/reward-programs/utilization/", {"enabled": False, "tiers": [None]}, format="json"
    )
    assert [(e["attr"], e["code"]) for e in answer.json()["errors"]] == [("tiers.0", "null")]
    assert_documented(schema, "/api/v1/reward-programs/utilization/", "patch", answer)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/clients/?search=a%00b", None),
        ("get", "/api/v1/subscriptions/?search=%00", None),
        ("post", "/api/v1/clients/", '{"name": "\\ud800"}'),
        ("post", "/api/v1/calendars/", "[" * 100 + "]" * 100),
        ("post", "/api/v1/clients/", '{"name": "' + "x" * 3_000_000 + '"}'),
    ],
)
def test_refused_input_answers_match_the_schema(schema, writer, method, path, body):
    if body is None:
        answer = writer.get(path)
    else:
        answer = writer.generic("POST", path, body, content_type="application/json")
    assert answer.status_code in (400, 413)
    assert_documented(schema, path.split("?")[0], method, answer)


def test_the_description_describes_every_resource_area_not_only_clients(schema):
    from api.scopes import RESOURCES

    description = schema["info"]["description"]
    assert not description.startswith("Clients, contacts and sites of one Accord tenant")
    for _app, what in RESOURCES.values():
        assert what in description
