from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.template.loader import render_to_string

from api import errors
from api.input_limits import UnacceptableInput, check_text
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


class InputLimitsMiddleware:
    """Refuses, before any view runs, input no view could handle (``api.input_limits``), on the API and
    on every page, so no view can forget to:

    * a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (file uploads aside: their files do not count) gets a
      413, not the 400 or 500 Django's ``RequestDataTooBig`` would become; a file upload over
      ``ACCORD_UPLOAD_MAX_REQUEST_BYTES`` too;
    * a NUL or lone surrogate in the path, the query string or a form field gets a 400 (PostgreSQL
      refuses NUL in text; UTF-8 cannot encode a lone surrogate).

    The API answers in its error format (its JSON bodies are checked by ``api.parsers``), pages with a
    plain page. Listed before the session and CSRF middleware, which would read the form first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        is_api = errors.is_api_request(request)
        try:
            self.check(request, is_api)
        except RequestDataTooBig as error:
            limit = error.args[0] if error.args and isinstance(error.args[0], int) else None
            return (
                errors.request_too_large(request, limit)
                if is_api
                else _refusal_page(request, 413, limit=limit)
            )
        except UnacceptableInput as error:
            return errors.unparsable(request, str(error)) if is_api else _refusal_page(request, 400, error)
        return self.get_response(request)

    @staticmethod
    def check(request, is_api: bool) -> None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        is_upload = request.content_type == "multipart/form-data"
        if limit is not None and not is_upload and _content_length(request) > limit:
            raise RequestDataTooBig()
        # An upload's files spool to disk as they are read (the CSRF check reads them first): one larger
        # than any accepted upload is refused before a byte of it is.
        upload_limit = settings.ACCORD_UPLOAD_MAX_REQUEST_BYTES
        if upload_limit is not None and is_upload and _content_length(request) > upload_limit:
            raise RequestDataTooBig(upload_limit)
        check_text([request.path_info], "The address")
        check_text(_keys_and_values(request.GET), "The query string")
        if not is_api and request.method == "POST":
            check_text(_keys_and_values(request.POST), "The form")  # may raise RequestDataTooBig


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _keys_and_values(query_dict):
    for key, values in query_dict.lists():
        yield key
        yield from values


def _refusal_page(request, status: int, error: Exception | None = None, *, limit: int | None = None):
    if status == 413:
        message = f"{errors.too_large_detail(limit)} Send less at a time."
    else:
        message = f"{error} Remove it and try again."
    # No request context: this runs before the session and user are loaded.
    page = render_to_string("refused.html", {"status": status, "message": message})
    return HttpResponse(page, status=status)
