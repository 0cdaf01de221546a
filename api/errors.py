"""The API's one error format for errors raised outside DRF views (no route, server error, CSRF)."""

from django.http import JsonResponse


def _error(status: int, code: str, detail: str, error_type: str = "client_error") -> JsonResponse:
    return JsonResponse(
        {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status
    )


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request) -> JsonResponse:
    return _error(404, "not_found", "Not found.")


def server_error(request) -> JsonResponse:
    return _error(500, "error", "A server error occurred.", "server_error")


def permission_denied(
    request, detail: str = "You do not have permission to perform this action."
) -> JsonResponse:
    return _error(403, "permission_denied", detail)


def bad_request(request) -> JsonResponse:
    return _error(400, "bad_request", "Bad request.")
