"""The request's who/where on its structured log lines (django-structlog; settings: Logging).

django-structlog binds a request id and the user; here the id becomes the audit log's own
(``audit.services.request_id``: an incoming X-Request-ID when it looks like one, else a new one), so a log
line and a history row of one request share it, and the response returns it in ``X-Request-ID``. The
address is ``accounts.origin.client_ip`` (which knows TRUSTED_PROXY_HOPS). The tenant is bound by
``tenants.scope.tenant_scope`` while the request is inside it, and added to the request's last line here.
"""

from __future__ import annotations

import structlog
from django.dispatch import receiver
from django_structlog import signals

from accounts.origin import client_ip
from audit.services import request_id


@receiver(signals.bind_extra_request_metadata)
def bind_request(request, logger, log_kwargs, **kwargs):
    structlog.contextvars.bind_contextvars(request_id=request_id(request), ip=client_ip(request))


@receiver(signals.bind_extra_request_finished_metadata)
def bind_outcome(request, logger, response, log_kwargs, **kwargs):
    log_kwargs.update(_tenant_of(request))
    response["X-Request-ID"] = request_id(request)


@receiver(signals.update_failure_response)
def mark_failure(request, response, logger, exception, **kwargs):
    response["X-Request-ID"] = request_id(request)


@receiver(signals.bind_extra_request_failed_metadata)
def bind_failure(request, logger, exception, log_kwargs, **kwargs):
    log_kwargs.update(_tenant_of(request))


def _tenant_of(request) -> dict:
    """The request's tenant: a staff session's or API key's, or a portal link's."""
    tenant = getattr(request, "tenant", None)
    if tenant is None and getattr(request, "portal_link", None) is not None:
        tenant = request.portal_link.tenant
    return {"tenant": tenant.slug, "tenant_id": tenant.pk} if tenant is not None else {}
