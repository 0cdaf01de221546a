"""The API's exception handler (``DRF_STANDARDIZED_ERRORS["EXCEPTION_HANDLER_CLASS"]``)."""

from django.core.exceptions import RequestDataTooBig
from drf_standardized_errors.handler import ExceptionHandler

from api.errors import RequestTooLarge


class ApiExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, knowing that Django's RequestDataTooBig (a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, met by anything reading ``request.body``) is the client's 413."""

    def convert_known_exceptions(self, exc):
        if isinstance(exc, RequestDataTooBig):
            return RequestTooLarge()
        return super().convert_known_exceptions(exc)
