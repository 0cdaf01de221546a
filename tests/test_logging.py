"""Structured logs: a request's lines are JSON (DJANGO_LOG_FORMAT=json) with one request id, the user and
the tenant; the id comes back in X-Request-ID and travels to the Celery tasks the request queues."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
import structlog
from django.conf import settings
from django.urls import reverse

from tests.databases import database_env

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """Every log line, as the production JSON formatter writes it; returns a function giving them parsed."""
    options = dict(settings.LOGGING["formatters"]["json"])
    formatter = options.pop("()")(**options)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        structlog.contextvars.clear_contextvars()


def test_a_requests_log_lines_are_json_with_its_request_id_user_and_tenant(
    staff_client, owner, tenant, json_lines
):
    response = staff_client.get(reverse("clients:list"), HTTP_X_REQUEST_ID="lb-4f2a9c1e-0001")
    assert response.status_code == 200
    assert response["X-Request-ID"] == "lb-4f2a9c1e-0001"
    lines = [line for line in json_lines() if line.get("request_id") == "lb-4f2a9c1e-0001"]
    events = [line["event"] for line in lines]
    assert events[0] == "request_started"
    assert events[-1] == "request_finished"
    finished = lines[-1]
    assert finished["code"] == 200
    assert finished["user_id"] == owner.pk
    assert (finished["tenant"], finished["tenant_id"]) == (tenant.slug, tenant.pk)
    assert finished["level"] == "info"
    assert "timestamp" in finished


def test_a_plain_logging_line_inside_the_tenant_carries_the_request_id_and_tenant(tenant, json_lines):
    from tenants.scope import tenant_scope

    structlog.contextvars.bind_contextvars(request_id="abc12345")
    with tenant_scope(tenant):
        logging.getLogger("tickets.services").warning("clock %s paused", 7)
    logging.getLogger("tickets.services").warning("outside")
    inside, outside = json_lines()[-2:]
    expected = {"event": "clock 7 paused", "request_id": "abc12345", "tenant": tenant.slug,
                "tenant_id": tenant.pk, "logger": "tickets.services", "level": "warning"}  # fmt: skip
    assert inside == inside | expected
    assert "tenant" not in outside


def test_a_request_without_an_id_gets_a_new_one_and_a_malformed_one_is_replaced(client, json_lines):
    fresh = client.get(reverse("accounts:login"))
    assert len(fresh["X-Request-ID"]) >= 8
    forged = client.get(reverse("accounts:login"), HTTP_X_REQUEST_ID='x"}\n{"forged": true')
    assert forged["X-Request-ID"] != 'x"}\n{"forged": true'
    assert all("forged" not in line for line in json_lines())


def test_a_portal_requests_last_line_names_the_links_tenant(client, tenant, json_lines):
    from portal.models import LinkPurpose
    from tests.factories import ContactFactory, PortalLinkFactory

    link = PortalLinkFactory(contact=ContactFactory(client__tenant=tenant), purpose=LinkPurpose.TICKETS)
    response = client.get(reverse("portal:tickets", kwargs={"token": link.token}))
    finished = [line for line in json_lines() if line["event"] == "request_finished"][-1]
    assert finished["request_id"] == response["X-Request-ID"]
    assert finished["tenant_id"] == tenant.pk


def test_a_task_queued_by_a_request_carries_its_request_id():
    from django_structlog.celery.receivers import CeleryReceiver

    headers = {}
    structlog.contextvars.bind_contextvars(request_id="req-12345678")
    try:
        CeleryReceiver().receiver_before_task_publish(headers=headers, properties={})
    finally:
        structlog.contextvars.clear_contextvars()
    assert headers["__django_structlog__"]["request_id"] == "req-12345678"


def test_production_defaults_to_json_and_debug_to_the_console():
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ACCORD_"))}
    base |= {**database_env(), "REDIS_URL": settings.REDIS_URL, "DJANGO_SECRET_KEY": "x" * 50}
    code = "from config import settings; print(settings.LOG_FORMAT)"

    def log_format(**env):
        result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env={**base, **env},
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        return result.stdout.strip()

    assert log_format(DJANGO_DEBUG="0") == "json"
    assert log_format(DJANGO_DEBUG="1") == "console"
    assert log_format(DJANGO_DEBUG="1", DJANGO_LOG_FORMAT="json") == "json"
