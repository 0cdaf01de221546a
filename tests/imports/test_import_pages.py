from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client
from imports import progress, services
from imports.models import ImportJob, ImportStatus
from tenants.roles import Role
from tenants.scope import tenant_scope

pytestmark = pytest.mark.django_db

BAD_FILE = (
    "client_name,contact_name,contact_email\n"
    "Good One,Ann Lee,ann@good.example\n"
    "Bad One,Bob Stone,bob@\n"
    "Good Two,Cat Moss,cat@two.example\n"
)


def upload(staff_client, text, name="clients.csv", **fields):
    return staff_client.post(
        reverse("imports:start"),
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"), "layout": "auto",
         "on_existing": "update", **fields},
    )  # fmt: skip


def the_job(tenant) -> ImportJob:
    with tenant_scope(tenant):
        return ImportJob.objects.get()


def refreshed(tenant, job) -> ImportJob:
    with tenant_scope(tenant):
        job.refresh_from_db()
    return job


def test_the_client_list_offers_the_import(staff_client):
    page = staff_client.get(reverse("clients:list")).content.decode()
    assert reverse("imports:start") in page


def test_uploading_shows_the_preview_with_each_bad_row_and_imports_nothing_until_asked(staff_client, tenant):
    response = upload(staff_client, BAD_FILE)
    job = the_job(tenant)
    assert response.url == reverse("imports:job", args=[job.pk])
    page = staff_client.get(response.url).content.decode()
    assert "Row 3: contact_email &#x27;bob@&#x27; is not an email address" in page
    assert "Import the valid rows and skip the rest" in page
    assert "Good Two" in page

    staff_client.post(reverse("imports:run", args=[job.pk]))
    page = staff_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "nothing was imported" in page
    with tenant_scope(tenant):
        assert not Client.objects.exists()

    staff_client.post(reverse("imports:run", args=[job.pk]), {"skip_invalid": "on"})
    page = staff_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    assert "Imported 2 rows" in page
    assert "See the clients" in page
    with tenant_scope(tenant):
        assert sorted(Client.objects.values_list("name", flat=True)) == ["Good One", "Good Two"]


def test_an_unreadable_file_is_refused_on_the_form(staff_client, tenant):
    response = upload(staff_client, "client_name\n")
    assert response.status_code == 400
    assert "no rows below it" in response.content.decode()


def test_a_file_over_the_limit_is_refused_before_it_is_read(staff_client, tenant, monkeypatch):
    monkeypatch.setattr("imports.forms.MAX_BYTES", 10)
    response = upload(staff_client, "client_name\nWhitaker Residence\n")
    assert response.status_code == 400
    assert "Split it into smaller files" in response.content.decode()
    with tenant_scope(tenant):
        assert not ImportJob.objects.exists()


def test_the_layout_can_be_changed_on_the_preview(staff_client, tenant):
    upload(staff_client, "Name,Phone\nAcme,555\n")
    job = the_job(tenant)
    staff_client.post(reverse("imports:job", args=[job.pk]), {"layout": "connectwise", "on_existing": "skip"})
    refreshed(tenant, job)
    assert (job.layout, job.on_existing) == ("connectwise", "skip")
    assert (
        "Read again as ConnectWise"
        in staff_client.get(reverse("imports:job", args=[job.pk])).content.decode()
    )


def test_a_large_file_is_queued_and_its_progress_polled_until_it_ends(staff_client, tenant):
    rows = "".join(f"Client {n},{n}\n" for n in range(services.IMPORT_AT_ONCE + 1))
    upload(staff_client, "client_name,managed_endpoints\n" + rows)
    job = the_job(tenant)
    with mock.patch("imports.tasks.run_import.delay_on_commit") as queue:
        staff_client.post(reverse("imports:run", args=[job.pk]))
    queue.assert_called_once_with(tenant_id=tenant.pk, job_id=job.pk)
    refreshed(tenant, job)
    assert job.status == ImportStatus.QUEUED
    progress.advanced(job.pk, 250, 501)
    with tenant_scope(tenant):
        job.status = ImportStatus.RUNNING
        job.save()
    card = staff_client.get(
        reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "250 of 501 rows written" in card
    assert 'value="50"' in card

    from imports.tasks import run_import

    run_import(tenant_id=tenant.pk, job_id=job.pk)  # what the worker runs
    response = staff_client.get(reverse("imports:progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Refresh"]) == (204, "true")
    refreshed(tenant, job)
    assert job.summary["clients"]["created"] == 501
    with tenant_scope(tenant):
        assert Client.objects.count() == 501


def test_a_redelivered_task_imports_nothing_twice(tenant):
    with tenant_scope(tenant):
        job, _ = services.upload(b"client_name\nAcme\n")
        services.start(job, skip_invalid=False)
    from imports.tasks import run_import

    assert run_import(tenant_id=tenant.pk, job_id=job.pk) is None
    with tenant_scope(tenant):
        assert Client.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"), [(Role.MANAGER, True), (Role.TECHNICIAN, False), (Role.READ_ONLY, False)]
)
def test_those_who_may_add_clients_may_import_them(client, login_as, tenant, role, allowed):
    login_as(tenant, role)
    assert client.get(reverse("imports:start")).status_code == (200 if allowed else 403)


def test_another_tenants_import_is_not_found(staff_client, tenant, other_tenant):
    with tenant_scope(other_tenant):
        job, _ = services.upload(b"client_name\nSecret Client\n")
    assert staff_client.get(reverse("imports:job", args=[job.pk])).status_code == 404
    assert staff_client.post(reverse("imports:run", args=[job.pk])).status_code == 404
    with tenant_scope(other_tenant):
        job.refresh_from_db()
        assert job.status == ImportStatus.PREVIEWED


def test_the_template_lists_every_column(staff_client):
    response = staff_client.get(reverse("imports:template"))
    header = response.content.decode().splitlines()[0]
    assert header.startswith("client_name,client_email")
    assert "managed_endpoints" in header
