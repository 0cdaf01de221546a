"""Serializer fields the API's resources share."""

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField, except that a wall time near 9999-12-31 whose instant falls past year 9999
    (``9999-12-31T23:59`` in New York) is the field's documented ``overflow`` error: DRF's own check of
    the converted value raises OverflowError, a 500."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
