"""The tenant's logo for the portal: served for a working link, of that link's tenant only."""

from __future__ import annotations

from django.views.decorators.http import require_http_methods

from portal.models import PortalLink
from portal.views import portal_page
from tenants.views import logo_response


@require_http_methods(["GET", "HEAD"])
@portal_page
def logo(request, link: PortalLink):
    return logo_response(link.tenant)
