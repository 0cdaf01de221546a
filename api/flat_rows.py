"""Serializers for long lists of rows that give what DRF's own ``to_representation`` gives, at a fraction
of its cost per row.

DRF looks every value up through ``Field.get_attribute`` (a walk over ``source_attrs``, a callable check,
exception handling for defaults) and walks the readable fields again for every row: for a report of 4,000
rows of 19 fields that was most of its time, and a third of a 50-ticket page's. ``LeanRepresentation``
plans each field once per serializer and then, row by row:

- a field that names one attribute of its own name is read with one ``getattr`` (called if it is a simple
  callable, as DRF does) and handed to the declared field's own ``to_representation``, with DRF's rule
  that None stays None; text for a ``CharField`` and an int for an ``IntegerField`` are shown as they
  are, and a string for a ``ChoiceField`` is looked up in its choices, without the call;
- a plain ``DateTimeField`` in ISO 8601 (the API's format) converts its value to the current time zone
  read once per serializer tree (``current_zone``): DRF looks the zone up for every value, and with none
  activated that lookup raises and catches an AttributeError inside asgiref, which made the five or so
  datetimes of a ticket cost more than the rest of its fields;
- a ``PrimaryKeyRelatedField`` on a model's foreign key reads the key's column (``client_id``) as DRF's
  pk-only optimization does, without its ``serializable_value`` and ``PKOnlyObject`` per value;
- a ``SerializerMethodField`` calls its method, found once;
- every other field (a dotted or "*" source, a relation or nested serializer field, a subclass that
  changes how a value is read or shown) takes DRF's own steps, field by field.

The output is the same, and so is the schema, generated from the same declared fields.
"""

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from rest_framework import serializers
from rest_framework.fields import ISO_8601, SkipField, is_simple_callable
from rest_framework.relations import ManyRelatedField, PKOnlyObject, PrimaryKeyRelatedField, RelatedField
from rest_framework.settings import api_settings

from api.fields import DateTimeField as ApiDateTimeField

# How each field is read (the plan's second element).
_DRF, _ATTRIBUTE, _SHOWN_AS_IS, _CHOICE, _DATETIME, _FOREIGN_KEY, _METHOD = range(7)
# Fields whose to_representation gives a value of this exact type back unchanged (str(text), int(number)).
_AS_IS = {serializers.CharField: str, serializers.IntegerField: int}
# What is not read with one getattr of the field's own name.
_NOT_FLAT = (serializers.BaseSerializer, serializers.SerializerMethodField, RelatedField, ManyRelatedField)
# DateTimeField.enforce_timezone as DRF writes it, or with only its overflow error changed.
_PLAIN_ZONE_ENFORCING = (serializers.DateTimeField.enforce_timezone, ApiDateTimeField.enforce_timezone)
_ZONE = "lean_rows_zone"  # the context key current_zone keeps its zone under


# Comments, not docstrings: drf-spectacular would show a docstring as each subclass's description.
# A mixin for Serializer and ModelSerializer classes (first in the bases). A row that is a mapping is
# serialized by DRF's own to_representation.
class LeanRepresentation:
    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        row = {}
        zone = None
        for name, how, field, extra in self._lean_plan():
            if how == _ATTRIBUTE:
                value = getattr(instance, name)
                if callable(value) and is_simple_callable(value):
                    value = value()
                row[name] = None if value is None else field.to_representation(value)
            elif how == _SHOWN_AS_IS:  # extra: the one type the field shows unchanged
                value = getattr(instance, name)
                row[name] = value if value is None or type(value) is extra else _shown_by(field, value)
            elif how == _CHOICE:  # extra: the field's choice_strings_to_values
                value = getattr(instance, name)
                if type(value) is str:
                    row[name] = extra.get(value, value) if value else value
                else:
                    row[name] = _shown_by(field, value)
            elif how == _DATETIME:
                value = getattr(instance, name)
                if type(value) is datetime:
                    if zone is None:
                        zone = current_zone(self)
                    row[name] = _iso_datetime(field, value, zone)
                else:
                    row[name] = _shown_by(field, value)
            elif how == _FOREIGN_KEY:
                attname = _foreign_key_column(type(instance), name)
                if attname is None:  # not a model's foreign key: DRF's steps
                    _drf_field(row, name, field, instance)
                else:
                    row[name] = getattr(instance, attname)
            elif how == _METHOD:
                row[name] = extra(instance)
            else:
                _drf_field(row, name, field, instance)
        return row

    def _lean_plan(self) -> list:
        if "_lean_fields" not in self.__dict__:
            self._lean_fields = [_planned(self, field) for field in self._readable_fields]
        return self._lean_fields


# Read-only rows whose fields each read the attribute of their own name (a report's dataclass rows, say).
class FlatRowSerializer(LeanRepresentation, serializers.Serializer):
    pass


def current_zone(serializer: serializers.Serializer):
    """The time zone DRF's DateTimeField shows times in (None without USE_TZ), looked up once per
    serializer tree and kept in its context, as the ticket serializers keep the request's ``now``: a
    request's zone does not change while its response is built."""
    context = serializer.context
    if _ZONE not in context:
        context[_ZONE] = timezone.get_current_timezone() if settings.USE_TZ else None
    return context[_ZONE]


def _planned(serializer, field) -> tuple:
    name = field.field_name
    if isinstance(field, serializers.SerializerMethodField):
        if type(field).to_representation is serializers.SerializerMethodField.to_representation:
            return name, _METHOD, field, getattr(serializer, field.method_name)
        return name, _DRF, field, None
    if field.source_attrs != [name]:
        return name, _DRF, field, None
    if isinstance(field, PrimaryKeyRelatedField) and _reads_foreign_key_as_drf(field):
        return name, _FOREIGN_KEY, field, None
    if isinstance(field, _NOT_FLAT):
        return name, _DRF, field, None
    if isinstance(field, serializers.DateTimeField) and _iso_in_current_zone(field):
        return name, _DATETIME, field, None
    if type(field) in _AS_IS:
        return name, _SHOWN_AS_IS, field, _AS_IS[type(field)]
    if type(field) is serializers.ChoiceField:
        return name, _CHOICE, field, field.choice_strings_to_values
    return name, _ATTRIBUTE, field, None


def _shown_by(field, value):
    """A value read with one getattr, shown by the field as DRF shows it."""
    if callable(value) and is_simple_callable(value):
        value = value()
    return None if value is None else field.to_representation(value)


def _drf_field(row: dict, name: str, field, instance) -> None:
    """One field the way DRF's Serializer.to_representation does it."""
    try:
        attribute = field.get_attribute(instance)
    except SkipField:
        return
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    row[name] = None if check_for_none is None else field.to_representation(attribute)


def _iso_in_current_zone(field) -> bool:
    """The field shows an aware datetime in the current zone, in ISO 8601, as DRF's own does."""
    kind = type(field)
    return (
        kind.to_representation is serializers.DateTimeField.to_representation
        and kind.enforce_timezone in _PLAIN_ZONE_ENFORCING
        and kind.default_timezone is serializers.DateTimeField.default_timezone
        and not hasattr(field, "timezone")
        and (getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
    )


def _iso_datetime(field, value: datetime, zone) -> str:
    """DateTimeField.to_representation for an aware datetime, with the zone given; a naive one, no zone
    (no USE_TZ) or a value past the calendar's end, by the field itself."""
    if zone is None or value.utcoffset() is None:
        return field.to_representation(value)
    try:
        text = value.astimezone(zone).isoformat()
    except OverflowError:
        return field.to_representation(value)
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _reads_foreign_key_as_drf(field) -> bool:
    """A primary-key field that DRF reads by its pk-only optimization and shows as the bare key."""
    kind = type(field)
    return (
        field.pk_field is None
        and kind.get_attribute is RelatedField.get_attribute
        and kind.use_pk_only_optimization is PrimaryKeyRelatedField.use_pk_only_optimization
        and kind.to_representation is PrimaryKeyRelatedField.to_representation
    )


_FOREIGN_KEY_COLUMNS: dict[tuple[type, str], str | None] = {}


def _foreign_key_column(model: type, name: str) -> str | None:
    """The column (attname) of the foreign key ``name`` of a model class; None for anything else.

    What DRF reads: ``instance.serializable_value(name)``, the foreign key's column, a plain key value."""
    key = (model, name)
    if key not in _FOREIGN_KEY_COLUMNS:
        column = None
        if isinstance(model, type) and issubclass(model, models.Model):
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                model_field = None
            if isinstance(model_field, models.ForeignKey):
                column = model_field.attname
        _FOREIGN_KEY_COLUMNS[key] = column
    return _FOREIGN_KEY_COLUMNS[key]
