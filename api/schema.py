"""The partner API's OpenAPI generation: drf-standardized-errors' error responses, tidied."""

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.plumbing import is_serializer
from drf_standardized_errors.openapi import AutoSchema as StandardizedErrorsAutoSchema
from drf_standardized_errors.openapi_serializers import ClientErrorEnum
from drf_standardized_errors.openapi_utils import (
    InputDataField,
    get_flat_serializer_fields,
    get_serializer_fields_with_error_codes,
)
from rest_framework import mixins, serializers
from rest_framework.settings import api_settings

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
        return (
            super()._should_add_validation_error_response()
            or self._query_serializer() is not None
            or self._destroy_may_refuse()
        )

    def _destroy_may_refuse(self) -> bool:
        """A DELETE with a destroy of its own goes through a service, which may refuse (a calendar still
        used by a target): ``raise_as_drf`` answers 400 ``validation_error`` on ``non_field_errors``."""
        if self.method != "DELETE":
            return False
        view = type(self.view)
        return (
            getattr(view, "perform_destroy", None) is not mixins.DestroyModelMixin.perform_destroy
            or getattr(view, "destroy", None) is not mixins.DestroyModelMixin.destroy
        )

    def _determine_fields_with_error_codes(self):
        fields = super()._determine_fields_with_error_codes()
        if (query := self._query_serializer()) is not None:
            fields.extend(get_serializer_fields_with_error_codes(get_flat_serializer_fields(query)))
        if self.method in ("PUT", "PATCH", "POST"):
            fields.extend(_empty_nested_errors(fields))
            fields.extend(_model_validation_errors(fields))
            fields.extend(_service_errors(fields))
        elif self._destroy_may_refuse():
            fields.append(InputDataField(api_settings.NON_FIELD_ERRORS_KEY, None, {"invalid"}))
        return fields


def _service_errors(fields: list[InputDataField]) -> list[InputDataField]:
    """Writes are thin: a ``validate_<field>`` method or the service behind the view (``through_service``)
    refuses a value with a plain ValidationError, reported under the field's name with the code
    ``invalid``. So every top-level field may answer ``invalid`` at its own path (a nested object or
    list too: at ``tiers``, not ``tiers.non_field_errors``)."""
    suffix = "." + api_settings.NON_FIELD_ERRORS_KEY
    extra = []
    for data_field in fields:
        name = data_field.name.removesuffix(suffix) if is_serializer(data_field.field) else data_field.name
        if "." not in name:
            extra.append(InputDataField(name, data_field.field, {"invalid"}))
    return extra


def _empty_nested_errors(fields: list[InputDataField]) -> list[InputDataField]:
    """A nested serializer (or a list's item) that is missing or null is reported at its own path
    (``tiers.0``, ``address``), not at ``….non_field_errors`` where the library lists those codes."""
    suffix = "." + api_settings.NON_FIELD_ERRORS_KEY
    extra = []
    for data_field in fields:
        if not data_field.name.endswith(suffix) or not is_serializer(data_field.field):
            continue
        field = data_field.field
        codes = set()
        if not field.allow_null:
            codes.add("null")
        if field.required and not data_field.name.endswith(f".INDEX{suffix}"):  # list items are never missing
            codes.add("required")
        if codes:
            extra.append(InputDataField(data_field.name.removesuffix(suffix), field, codes))
    return extra


def _model_validation_errors(fields: list[InputDataField]) -> list[InputDataField]:
    """Writes go through services that ``full_clean`` the model and raise ``ValidationError`` of their
    own; ``api.viewsets.raise_as_drf`` reports those under the field's name with Django's codes. So a
    model serializer's field may also fail with its model field's codes, and with ``invalid`` (a service's
    error without a code); the object as a whole with uniqueness and constraint codes."""
    extra = []
    for data_field in fields:
        field = data_field.field
        if is_serializer(field):  # the object as a whole: its non_field_errors
            model = getattr(getattr(field, "Meta", None), "model", None)
            if model is not None and data_field.name.endswith(api_settings.NON_FIELD_ERRORS_KEY):
                extra.append(InputDataField(data_field.name, field, _object_codes(model)))
            continue
        parent = getattr(field, "parent", None)
        if not isinstance(parent, serializers.ModelSerializer):
            continue
        try:
            model_field = parent.Meta.model._meta.get_field(field.source)
        except (FieldDoesNotExist, AttributeError, TypeError):
            continue
        extra.append(InputDataField(data_field.name, field, _model_field_codes(model_field)))
    return extra


def _model_field_codes(model_field) -> set[str]:
    codes = {"invalid"}
    if not getattr(model_field, "null", True):
        codes.add("null")
    if not getattr(model_field, "blank", True):
        codes.add("blank")
    if getattr(model_field, "choices", None):
        codes.add("invalid_choice")
    if getattr(model_field, "unique", False) and not getattr(model_field, "primary_key", False):
        codes.add("unique")
    codes.update(code for v in getattr(model_field, "validators", ()) if (code := getattr(v, "code", None)))
    return codes


def _object_codes(model) -> set[str]:
    codes = {"invalid"}
    if model._meta.unique_together or model._meta.constraints:
        codes.update({"unique", "unique_together"})
    codes.update(code for c in model._meta.constraints if (code := getattr(c, "violation_error_code", None)))
    return codes
