"""The partner API's OpenAPI generation: drf-standardized-errors' error responses, tidied."""

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)


class ApiAutoSchema(StandardizedErrorsAutoSchema):
    def get_auth(self):
        # SPECTACULAR_SETTINGS["SECURITY"] names ApiKey again after the one our authentication extension
        # already lists: keep each security requirement once.
        requirements = []
        for requirement in super().get_auth():
            if requirement not in requirements:
                requirements.append(requirement)
        return requirements

    def _query_serializer(self):
        """A GET view that validates its query string with a serializer (the reports' period, months...)
        answers 400 ``validation_error`` for a bad one: the library only knows django-filter forms."""
        query_serializer_class = getattr(self.view, "query_serializer_class", None)
        return query_serializer_class() if self.method == "GET" and query_serializer_class else None

    def _should_add_validation_error_response(self) -> bool:
        return super()._should_add_validation_error_response() or self._query_serializer() is not None

    def _determine_fields_with_error_codes(self):
        fields = super()._determine_fields_with_error_codes()
        if (query := self._query_serializer()) is not None:
            fields.extend(get_serializer_fields_with_error_codes(get_flat_serializer_fields(query)))
        return fields
