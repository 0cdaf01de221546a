import pghistory

from audit import services


class AuditContextMiddleware:
    """Puts the request's who/where (``audit.services.request_context``) on every history row its writes
    make, through ``pghistory.context``; and records each CSV download of a staff page as an entry.

    Listed after TenantMiddleware, so it runs inside the request's tenant scope: the export entry is
    written in the request's transaction and tenant, and only for a response that is a CSV file (by its
    Content-Type, so a new export is audited without anyone remembering to).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with pghistory.context(**services.request_context(request)):
            response = self.get_response(request)
        if (
            getattr(request, "tenant", None) is not None
            and response.status_code == 200
            and services.is_csv_download(response)
        ):
            services.record_export(request, response)
        return response
