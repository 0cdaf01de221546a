"""The partner API of contract templates and versions: read only, filtered, optionally rendered."""

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.routers import DefaultRouter

from contracts.api import ContractTemplateViewSet, ContractVersionViewSet
from contracts.documents import render_version
from tenants.roles import Role
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import ContractTemplateFactory, ContractVersionFactory, api_key_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(tenant):
    return api_client(api_key_for(tenant, ["read"], name="Reader")[1])


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["read", "write"], name="Writer")[1])


@pytest.fixture
def template(tenant):
    return ContractTemplateFactory(tenant=tenant, name="Service Agreement")


@pytest.fixture
def published(template):
    return ContractVersionFactory(template=template, number=1, published=True)


@pytest.fixture
def draft(template):
    return ContractVersionFactory(template=template, number=2, title="Service Agreement (draft)")


def test_templates_list_with_their_current_published_version(reader, template, published, draft):
    ContractTemplateFactory(tenant=template.tenant, name="Response-time schedule", kind="supplement")

    body = reader.get("/api/v1/contract-templates/").json()

    rows = {row["name"]: row for row in body["results"]}
    assert rows["Service Agreement"]["current_version"] == published.pk
    assert rows["Service Agreement"]["current_version_number"] == 1
    assert rows["Service Agreement"]["kind"] == "service_contract"
    assert rows["Response-time schedule"]["current_version"] is None


def test_templates_filter_by_kind(reader, template):
    ContractTemplateFactory(tenant=template.tenant, name="Response-time schedule", kind="supplement")

    body = reader.get("/api/v1/contract-templates/", {"kind": "supplement"}).json()

    assert [row["name"] for row in body["results"]] == ["Response-time schedule"]


def test_versions_filter_by_template_and_status(reader, template, published, draft):
    other = ContractVersionFactory(template=ContractTemplateFactory(tenant=template.tenant), number=1)

    by_template = reader.get("/api/v1/contract-versions/", {"template": template.pk}).json()["results"]
    drafts = reader.get("/api/v1/contract-versions/", {"template": template.pk, "status": "draft"}).json()

    assert {row["id"] for row in by_template} == {published.pk, draft.pk}
    assert [row["id"] for row in drafts["results"]] == [draft.pk]
    assert other.pk not in {row["id"] for row in by_template}


def test_a_version_reads_with_its_content_and_no_document_unless_asked(reader, published):
    body = reader.get(f"/api/v1/contract-versions/{published.pk}/").json()

    assert body["status"] == "published"
    assert body["terms_markdown"].startswith("This agreement is between {{ tenant_name }}")
    assert body["coverage"][0] == {
        "category": "", "work_type": "remote_support", "covered": True, "note": "Remote triage",
    }  # fmt: skip
    assert body["hourly_rate_remote"] == "120.00"
    assert body["published_at"] is not None
    assert body["document"] is None


def test_render_1_adds_the_document_for_a_sample_client_with_its_hash(reader, tenant, published):
    body = reader.get(f"/api/v1/contract-versions/{published.pk}/", {"render": "1"}).json()

    with tenant_scope(tenant):
        expected = render_version(published, tenant=tenant)
    assert body["document"]["html"] == expected.html
    assert body["document"]["sha256"] == expected.sha256
    assert "[Client name]" in body["document"]["html"]
    assert body["document"]["toc"][0] == {"level": 2, "id": "doc-terms", "title": "1. Terms of service"}


def test_there_is_no_way_to_write_through_the_api(writer, published, draft):
    for version in (published, draft):
        url = f"/api/v1/contract-versions/{version.pk}/"
        for method in ("put", "patch", "delete"):
            response = getattr(writer, method)(url, {"title": "Changed"}, format="json")
            body = check_error(response, 405)
            assert body["errors"][0]["code"] == "method_not_allowed"
    check_error(
        writer.post("/api/v1/contract-versions/", {"template": published.template_id}, format="json"), 405
    )
    check_error(writer.post("/api/v1/contract-templates/", {"name": "New"}, format="json"), 405)
    check_error(writer.delete(f"/api/v1/contract-templates/{published.template_id}/"), 405)
    with tenant_scope(published.tenant):
        published.refresh_from_db()
        draft.refresh_from_db()
    assert published.title == draft.title.replace(" (draft)", "") == "Service Agreement"


def test_another_tenants_versions_are_not_found(reader, other_tenant):
    theirs = ContractVersionFactory(template=ContractTemplateFactory(tenant=other_tenant), published=True)

    check_error(reader.get(f"/api/v1/contract-versions/{theirs.pk}/"), 404)
    check_error(reader.get(f"/api/v1/contract-templates/{theirs.template_id}/"), 404)
    assert reader.get("/api/v1/contract-versions/").json()["results"] == []


def test_every_staff_role_may_read(client, login_as, tenant, published):
    login_as(tenant, Role.READ_ONLY)

    assert client.get(f"/api/v1/contract-versions/{published.pk}/").status_code == 200


def test_the_schema_of_both_resources_is_valid_read_only_and_warning_free():
    # Only our routes, for speed: tests/api/test_schema.py validates the whole API's schema.
    router = DefaultRouter(trailing_slash=True)
    router.register("contract-templates", ContractTemplateViewSet, basename="contract-template")
    router.register("contract-versions", ContractVersionViewSet, basename="contract-version")
    GENERATOR_STATS.reset()

    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(public=True)

    assert not GENERATOR_STATS, "schema warnings or errors"
    validate_schema(schema)
    paths = schema["paths"]
    for prefix in ("/api/v1/contract-templates/", "/api/v1/contract-versions/"):
        assert set(paths[prefix]) == {"get"}
        assert set(paths[prefix + "{id}/"]) == {"get"}
    parameters = {p["name"] for p in paths["/api/v1/contract-versions/"]["get"]["parameters"]}
    assert {"template", "status", "render", "tier", "riders", "cursor"} <= parameters
