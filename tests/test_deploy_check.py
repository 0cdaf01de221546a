"""Production settings: `manage.py check --deploy` is clean with the minimal production environment
(issue 16, acceptance 5), and https is enforced where it should be and not where it cannot be."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client, override_settings

from tests.databases import database_env

pytestmark = pytest.mark.django_db


def production_env(**extra) -> dict[str, str]:
    """The acceptance environment: DEBUG off, a 50-character secret, one host; nothing else of ours."""
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "ACCORD_", "TRUSTED_"))
    }
    return {
        **inherited,
        **database_env(),
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DJANGO_ALLOWED_HOSTS": "accord.example",
        **extra,
    }


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def setting_in(env, expression: str) -> str:
    shell = manage("shell", "-c", f"from django.conf import settings; print(repr({expression}))", env=env)
    assert shell.returncode == 0, shell.stderr
    return shell.stdout.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_the_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "security.W" not in result.stdout + result.stderr


def test_check_deploy_fails_when_hsts_is_turned_off():
    """The test above can fail: without HSTS the deploy check warns and exits non-zero."""
    env = production_env(DJANGO_HSTS_SECONDS="0")
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_production_defaults_are_one_year_hsts_without_subdomains_or_preload_and_secure_cookies():
    env = production_env()
    values = setting_in(
        env,
        "(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        " settings.SECURE_HSTS_PRELOAD, settings.SECURE_SSL_REDIRECT,"
        " settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        " settings.SECURE_PROXY_SSL_HEADER, settings.TRUSTED_PROXY_HOPS)",
    )
    assert values == "(31536000, False, False, True, True, True, None, 0)"


def test_the_proxy_header_and_hops_come_from_the_environment():
    env = production_env(DJANGO_SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto", TRUSTED_PROXY_HOPS="1")
    values = setting_in(env, "(settings.SECURE_PROXY_SSL_HEADER, settings.TRUSTED_PROXY_HOPS)")
    assert values == "(('HTTP_X_FORWARDED_PROTO', 'https'), 1)"


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["accord.example", "localhost"])
def test_plain_http_is_redirected_to_https_except_the_health_check():
    client = Client()  # a new client: SecurityMiddleware reads the redirect setting when it is built
    page = client.get("/accounts/login/", HTTP_HOST="accord.example")
    assert page.status_code == 301
    assert page["Location"] == "https://accord.example/accounts/login/"
    health = client.get("/healthz", HTTP_HOST="localhost")
    assert health.status_code != 301


@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    ALLOWED_HOSTS=["accord.example"],
)
def test_behind_a_tls_proxy_the_forwarded_proto_counts_as_https_and_gets_hsts():
    client = Client()
    response = client.get("/accounts/login/", HTTP_HOST="accord.example", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000"


def test_runserver_is_never_redirected_to_https_even_with_debug_off():
    """Tools (../shared/tools/api-fuzz) serve the app with `DJANGO_DEBUG=0 runserver` on plain http."""
    env = production_env()
    code = (
        "import sys; sys.argv = ['manage.py', 'runserver']; "
        "from config import settings; print(settings.SECURE_SSL_REDIRECT)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True,
                            text=True, timeout=60)  # fmt: skip
    assert result.stdout.strip() == "False", result.stderr
