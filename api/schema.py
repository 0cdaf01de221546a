"""The partner API's OpenAPI generation: drf-standardized-errors' error responses, tidied."""

from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from drf_standardized_errors.openapi_utils import (
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from rest_framework import serializers

from api.errors import ErrorCode413Enum


class Error413Serializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=ErrorCode413Enum.choices)
    detail = serializers.CharField()
    attr = serializers.CharField(allow_null=True)


# ERROR_SCHEMAS["413"] in settings. A comment, not a docstring: partners would read it in the schema.
class ErrorResponse413Serializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=ClientErrorEnum.choices)
    errors = Error413Serializer(many=True)


class ApiAutoSchema(StandardizedErrorsAutoSchema):
    def get_auth(self):
        # SPECTACULAR_SETTINGS["SECURITY"] names ApiKey again after the one our authentication extension
        # already lists: keep each security requirement once.
        requirements = []
        for requirement in super().get_auth():
            if requirement not in requirements:
                requirements.append(requirement)
        return requirements

    def _should_add_error_response(self, responses, status_code):
        if status_code == "413":  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE (api.middleware)
            return self.method in ("POST", "PUT", "PATCH") and super()._should_add_error_response(
                responses, status_code
            )
        return super()._should_add_error_response(responses, status_code)

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
