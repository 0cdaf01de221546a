from api.keys import authenticate_bearer


class ApiKeyMiddleware:
    """Resolves ``Authorization: Bearer <key>`` on /api/ requests into ``request.api_key`` (or, for a key
    that opens nothing, ``request.api_key_error``). Listed before TenantMiddleware, which enters the key's
    tenant; ApiKeyAuthentication then makes the key the DRF principal, or answers 401 with the error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_key = None
        request.api_key_error = None
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        if request.path.startswith("/api/") and scheme.lower() == "bearer":
            request.api_key, request.api_key_error = authenticate_bearer(credentials)
        return self.get_response(request)
