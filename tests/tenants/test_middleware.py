"""The request runs inside its tenant; a failed request leaves nothing behind."""

import pytest
from django.db import connection
from django.http import HttpResponse
from django.urls import path

from clients.models import Client
from clients.services import create_client
from tenants.scope import tenant_scope

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def create_then_fail(request):
    create_client(name="Half-made Client")
    raise RuntimeError("boom")


def create_then_answer_500(request):
    create_client(name="Half-made Client")
    return HttpResponse("upstream failed", status=502)


def report_tenant_setting(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('app.tenant_id', true)")
        return HttpResponse(cursor.fetchone()[0] or "")


urlpatterns = [
    path("fail/", create_then_fail),
    path("bad-gateway/", create_then_answer_500),
    path("setting/", report_tenant_setting),
]


def test_a_request_runs_with_its_tenant_set_in_postgresql(staff_client, tenant):
    assert staff_client.get("/setting/").content.decode() == str(tenant.pk)


def test_an_anonymous_request_has_no_tenant_set(client):
    assert client.get("/setting/").content.decode() == ""


@pytest.mark.parametrize("url", ["/fail/", "/bad-gateway/"])
def test_a_request_that_fails_on_the_server_rolls_back_its_writes(staff_client, tenant, url):
    staff_client.raise_request_exception = False
    assert staff_client.get(url).status_code >= 500
    with tenant_scope(tenant):
        assert not Client.objects.filter(name="Half-made Client").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(current_setting('app.tenant_id', true), '')")
        assert cursor.fetchone()[0] == ""
