import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.models import Client
from imports.models import ImportJob
from tenants.scope import tenant_scope
from tests.api.conftest import api_client, check_error
from tests.factories import api_key_for

pytestmark = pytest.mark.django_db

GOOD = "client_name,managed_endpoints,contact_name,contact_email\nAcme,10,Ann Lee,ann@acme.example\n"
THREE_BAD = (
    "client_name,contact_email,managed_endpoints,contact_name\n"
    "Good,good@x.example,1,G\n"
    "Bad A,bob@,2,B\n"
    ",c@x.example,3,C\n"
    "Bad C,d@x.example,lots,D\n"
)


@pytest.fixture
def writer(tenant):
    return api_client(api_key_for(tenant, ["imports:write", "imports:read"])[1])


def test_posting_csv_text_imports_it_and_answers_the_summary(writer, tenant):
    response = writer.post("/api/v1/imports/", {"csv": GOOD}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "done"
    assert body["summary"]["clients"] == {"created": 1, "updated": 0, "skipped": 0}
    assert body["progress"] == {"done": 1, "total": 1, "percent": 100}
    assert writer.get(f"/api/v1/imports/{body['id']}/").json()["status"] == "done"
    with tenant_scope(tenant):
        assert Client.objects.get().managed_endpoints == 10


def test_a_multipart_file_is_imported_too(writer, tenant):
    upload = SimpleUploadedFile("acme.csv", GOOD.encode("utf-8-sig"), content_type="text/csv")
    response = writer.post("/api/v1/imports/", {"file": upload, "on_existing": "skip"}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["file_name"] == "acme.csv"


def test_a_dry_run_previews_and_keeps_nothing(writer, tenant):
    response = writer.post("/api/v1/imports/?dry_run=true", {"csv": THREE_BAD}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["layout"] == "accord"
    assert body["counts"]["rows_with_errors"] == 3
    assert [problem["row"] for problem in body["problems"]] == [3, 4, 5]
    assert body["rows"][0]["client"] == {"name": "Good", "managed_endpoints": 1}
    with tenant_scope(tenant):
        assert not ImportJob.objects.exists()
        assert not Client.objects.exists()


def test_three_bad_rows_are_a_400_naming_each_and_nothing_is_imported(writer, tenant):
    body = check_error(writer.post("/api/v1/imports/", {"csv": THREE_BAD}, format="json"), 400)
    details = [error["detail"] for error in body["errors"]]
    assert {error["attr"] for error in body["errors"]} == {"csv"}
    assert len(details) == 3
    assert details[0].startswith("Row 3: contact_email 'bob@'")
    assert details[1].startswith("Row 4: the client name is empty")
    assert details[2].startswith("Row 5: managed_endpoints 'lots'")
    with tenant_scope(tenant):
        assert not Client.objects.exists()
        assert not ImportJob.objects.exists()


def test_the_valid_rows_go_in_when_asked(writer, tenant):
    response = writer.post("/api/v1/imports/", {"csv": THREE_BAD, "skip_invalid": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["summary"]["rows_skipped"] == 3
    with tenant_scope(tenant):
        assert list(Client.objects.values_list("name", flat=True)) == ["Good"]


def test_a_file_and_csv_text_at_once_or_neither_is_refused(writer):
    check_error(writer.post("/api/v1/imports/", {}, format="json"), 400)
    check_error(writer.post("/api/v1/imports/", {"csv": "client_name\n"}, format="json"), 400)


def test_a_key_without_the_imports_scope_may_not_import(tenant):
    reader = api_client(api_key_for(tenant, ["clients:read"])[1])
    body = check_error(reader.post("/api/v1/imports/", {"csv": GOOD}, format="json"), 403)
    assert "imports:write" in body["errors"][0]["detail"]


def test_another_tenants_imports_are_not_found(writer, other_tenant):
    other = api_client(api_key_for(other_tenant, ["imports:write", "imports:read"])[1])
    job_id = other.post("/api/v1/imports/", {"csv": GOOD}, format="json").json()["id"]
    check_error(writer.get(f"/api/v1/imports/{job_id}/"), 404)
    assert writer.get("/api/v1/imports/").json()["results"] == []
