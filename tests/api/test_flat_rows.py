"""api.flat_rows: the lean way gives what DRF's own to_representation gives; fields it does not fit take
DRF's steps, and rows that are mappings go DRF's way."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

from rest_framework import serializers

from api.flat_rows import FlatRowSerializer


@dataclass
class Row:
    id: int
    name: str
    kind: str
    at: datetime | None
    share: float | None
    amount: Decimal

    @property
    def is_dated(self) -> bool:
        return self.at is not None

    def label(self) -> str:  # a simple callable: DRF calls it
        return f"{self.name} ({self.kind})"


class RowSerializer(FlatRowSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=[("a", "A kind"), ("b", "B kind")])
    at = serializers.DateTimeField(allow_null=True)
    share = serializers.FloatField(allow_null=True)
    amount = serializers.DecimalField(max_digits=8, decimal_places=2)
    is_dated = serializers.BooleanField()
    label = serializers.CharField()


ROWS = [
    Row(1, "Whitaker", "a", datetime(2026, 3, 6, 22, 15, tzinfo=UTC), 92.9, Decimal("12.5")),
    Row(2, "", "unknown", None, None, Decimal("0")),
]


def drf(serializer, row) -> dict:
    return serializers.Serializer.to_representation(serializer, row)


def test_flat_rows_serialize_as_drf_does_with_nulls_and_odd_choices():
    serializer = RowSerializer()

    assert [serializer.to_representation(row) for row in ROWS] == [drf(serializer, row) for row in ROWS]
    assert serializer.to_representation(ROWS[1]) == {
        "id": 2, "name": "", "kind": "unknown", "at": None, "share": None, "amount": "0.00",
        "is_dated": False, "label": " (unknown)",
    }  # fmt: skip
    assert RowSerializer(ROWS, many=True).data == [drf(serializer, row) for row in ROWS]


def test_a_row_given_as_a_mapping_goes_drfs_way():
    serializer = RowSerializer()
    mapping = {
        "id": 3,
        "name": "Okafor",
        "kind": "b",
        "label": "Okafor (b)",
        "at": None,
        "share": 1.0,
        "amount": 1,
        "is_dated": True,
    }

    assert serializer.to_representation(mapping) == drf(serializer, mapping)


def test_a_dotted_source_and_a_method_field_take_drfs_steps():
    class Nested(FlatRowSerializer):
        client = serializers.CharField(source="client.name")
        label = serializers.SerializerMethodField()

        def get_label(self, row) -> str:
            return f"#{row.id}"

    row = SimpleNamespace(id=7, client=SimpleNamespace(name="Harbor"))

    assert Nested().to_representation(row) == {"client": "Harbor", "label": "#7"}
