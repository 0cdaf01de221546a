"""The API's one error format for errors raised outside DRF views (no route, server error, CSRF, input
refused by ``api.middleware.InputLimitsMiddleware``), and the one error DRF does not know of (413)."""

from django.conf import settings
from django.db import models
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import status
from rest_framework.exceptions import APIException


def too_large_detail(limit: int | None = None) -> str:
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"The request body is larger than the limit of {limit:,} bytes."


class ErrorCode413Enum(models.TextChoices):
    REQUEST_TOO_LARGE = "request_too_large"


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = ErrorCode413Enum.REQUEST_TOO_LARGE.value

    def __init__(self):
        super().__init__(too_large_detail())


def _error(status: int, code: str, detail: str, error_type: str = "client_error") -> JsonResponse:
    return JsonResponse(
        {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": None}]}, status=status
    )


def is_api_request(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request) -> JsonResponse:
    return _error(404, "not_found", "Not found.")


@csrf_exempt  # a 404 whatever the method: Django's CSRF failure page would be HTML
def no_route(request, *args, **kwargs) -> JsonResponse:
    """The last route under /api/v1/: any path no resource matches.

    As a view it also keeps CommonMiddleware from answering a path without its trailing slash with a
    redirect (APPEND_SLASH), which HTTP clients follow for a POST as a GET of the list: a partner's
    create would seem to succeed and do nothing.
    """
    detail = "Not found."
    if not request.path_info.endswith("/"):
        try:
            with_slash = resolve(request.path_info + "/")
        except Resolver404:
            with_slash = None
        if with_slash is not None and with_slash.func is not no_route:
            detail = f"Not found. API paths end with a slash: {request.path}/"
    return _error(404, "not_found", detail)


def server_error(request) -> JsonResponse:
    return _error(500, "error", "A server error occurred.", "server_error")


def permission_denied(
    request, detail: str = "You do not have permission to perform this action."
) -> JsonResponse:
    return _error(403, "permission_denied", detail)


def bad_request(request) -> JsonResponse:
    return _error(400, "bad_request", "Bad request.")


def request_too_large(request, limit: int | None = None) -> JsonResponse:
    return _error(413, RequestTooLarge.default_code, too_large_detail(limit))


def unparsable(request, detail: str) -> JsonResponse:
    """A 400 for a request the API cannot read (bad characters in its address or query string): the
    ``parse_error`` every operation documents for a body it cannot parse."""
    return _error(400, "parse_error", detail)
