"""/healthz: the database, Redis, the Celery worker's heartbeat and beat's tick; 200 when all pass, 503
naming what failed. No login, no tenant data."""

import json
import time
from datetime import timedelta

import psycopg2
import pytest
from celery.signals import before_task_publish
from django.core.management import call_command
from django.core.management.base import CommandError

from health import heartbeats
from health.tasks import heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def alive():
    """A worker and beat that were just heard from."""
    heartbeats.record(heartbeats.WORKER)
    heartbeats.record(heartbeats.BEAT)


def failing(response) -> dict:
    return {name: check["error"] for name, check in response.json()["checks"].items() if not check["ok"]}


def test_healthy_is_200_json_with_each_check_and_needs_no_login(client, alive):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {name: {"ok": True} for name in ("database", "cache", "celery_worker", "celery_beat")},
    }
    assert "no-cache" in response["Cache-Control"]


def test_a_database_that_cannot_be_reached_is_503_naming_it(client, alive, monkeypatch):
    def refuse(*args, **kwargs):
        raise psycopg2.OperationalError("connection refused")

    # The check opens a connection of its own (in a thread), which is refused.
    monkeypatch.setattr(psycopg2, "connect", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failing"
    assert list(failing(response)) == ["database"]


def test_redis_that_cannot_be_reached_is_503_naming_the_cache(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "cache" in failing(response)
    assert "database" not in failing(response)


def test_a_worker_not_heard_from_for_too_long_is_503(client, alive):
    heartbeats.record(heartbeats.WORKER, at=time.time() - 121)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert failing(response) == {"celery_worker": "Celery worker last seen 121 s ago (stale after 120 s)"}


def test_a_beat_that_stopped_ticking_is_503(client, alive):
    heartbeats.record(heartbeats.BEAT, at=time.time() - timedelta(minutes=10).total_seconds())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert list(failing(response)) == ["celery_beat"]


def test_no_heartbeat_at_all_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert failing(response) == {
        "celery_worker": "no Celery worker heartbeat recorded yet",
        "celery_beat": "no Celery beat heartbeat recorded yet",
    }


def test_the_web_check_ignores_the_worker_so_a_load_balancer_keeps_the_web_nodes(client):
    response = client.get("/healthz/web")
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database", "cache"]


def test_the_worker_records_its_heartbeat_and_beat_its_tick_when_it_publishes():
    assert heartbeats.last_seen(heartbeats.WORKER) is None
    heartbeat.run()
    assert heartbeats.age_seconds(heartbeats.WORKER) < 5
    assert heartbeats.last_seen(heartbeats.BEAT) is None
    before_task_publish.send(sender="tickets.tasks.sweep_sla_clocks", body=(), headers={})
    assert heartbeats.last_seen(heartbeats.BEAT) is None  # only the heartbeat's publication is a tick
    before_task_publish.send(sender=heartbeats.HEARTBEAT_TASK, body=(), headers={})
    assert heartbeats.age_seconds(heartbeats.BEAT) < 5


def test_beat_schedules_the_heartbeat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["health-heartbeat"]
    assert entry["task"] == heartbeats.HEARTBEAT_TASK
    assert entry["schedule"] < min(settings.ACCORD_HEALTH_STALE_SECONDS.values())


def test_healthz_is_not_rate_limited(client, alive):
    assert all(client.get("/healthz").status_code == 200 for _ in range(30))


def test_the_command_exits_non_zero_when_its_process_is_unhealthy(capsys, alive):
    call_command("healthcheck", "worker")
    assert json.loads(capsys.readouterr().out)["status"] == "ok"
    heartbeats.record(heartbeats.BEAT, at=time.time() - 600)
    with pytest.raises(CommandError, match="unhealthy: celery_beat"):
        call_command("healthcheck", "beat")
