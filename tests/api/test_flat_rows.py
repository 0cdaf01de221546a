"""api.flat_rows: the lean way gives what DRF's own to_representation gives; fields it does not fit take
DRF's steps, and rows that are mappings go DRF's way."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from api import fields
from api.flat_rows import FlatRowSerializer, LeanRepresentation
from tickets.models import SlaClock, Ticket, TicketStatus


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


class Times(FlatRowSerializer):
    at = serializers.DateTimeField(allow_null=True)
    api_at = fields.DateTimeField(allow_null=True)
    in_tokyo = serializers.DateTimeField(default_timezone=ZoneInfo("Asia/Tokyo"))
    as_is = serializers.DateTimeField(format=None)
    as_text = serializers.DateTimeField(format="%d.%m.%Y %H:%M")


def times_row(at) -> SimpleNamespace:
    return SimpleNamespace(at=at, api_at=at, in_tokyo=at, as_is=at, as_text=at)


TIMES = [
    datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC),  # a minute before Berlin's clocks go forward
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 30, tzinfo=fixed_zone(timedelta(hours=-4))),  # another zone than UTC
    datetime(2026, 11, 1, 1, 30),  # naive: DRF makes it aware in the current zone
]


def test_times_show_in_the_zone_active_as_drf_shows_them():
    def lean_and_drf():
        serializer = Times()
        rows = [times_row(at) for at in TIMES]
        return [serializer.to_representation(row) for row in rows], [drf(Times(), row) for row in rows]

    lean, own = lean_and_drf()  # no zone activated, as in the API: the default one
    assert lean == own
    for zone in ("Europe/Berlin", "America/New_York"):
        with timezone.override(zone):
            lean, own = lean_and_drf()
        assert lean == own
    with timezone.override("Europe/Berlin"):
        assert Times().to_representation(times_row(TIMES[1]))["at"] == "2026-03-29T03:00:00+02:00"
    assert Times().to_representation(times_row(TIMES[1]))["at"] == "2026-03-29T01:00:00Z"
    assert Times().to_representation(times_row(None))["at"] is None


def test_a_time_given_by_a_method_is_called_as_drf_calls_it():
    row = times_row(TIMES[0])
    row.at = lambda: TIMES[1]

    assert Times().to_representation(row) == drf(Times(), row)
    assert Times().to_representation(row)["at"] == "2026-03-29T01:00:00Z"


def test_a_time_past_the_calendars_end_fails_as_drfs_own_does():
    row = times_row(datetime(9999, 12, 31, 23, 59, tzinfo=UTC))  # the year 10000 in Tokyo

    with timezone.override("Asia/Tokyo"):
        with pytest.raises(serializers.ValidationError) as own:
            drf(Times(), row)
        with pytest.raises(serializers.ValidationError) as lean:
            Times().to_representation(row)

    assert lean.value.detail == own.value.detail


class Ticketish(LeanRepresentation, serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=TicketStatus.choices)
    number = serializers.IntegerField()
    title = serializers.CharField()
    label = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = ["id", "client", "site", "assignee", "status", "number", "title", "label"]
        read_only_fields = fields

    def get_label(self, ticket) -> str:
        return f"#{ticket.number}"


def test_foreign_keys_choices_and_plain_values_show_as_drf_shows_them():
    odd = {"status": TicketStatus.WAITING_ON_CLIENT, "number": True, "title": 404}  # an enum, a bool, an int
    rows = [
        Ticket(id=9, client_id=4, site_id=None, assignee_id=12, status="new", number=31, title="Gate camera"),
        Ticket(id=10, client_id=5, **odd),
        Ticket(id=11, client_id=5, status="", number=Decimal("7"), title=""),
        Ticket(id=12, client_id=5, status="no such status", number="8", title=None),
    ]
    serializer = Ticketish()

    assert [serializer.to_representation(row) for row in rows] == [drf(Ticketish(), row) for row in rows]
    assert serializer.to_representation(rows[0]) == {
        "id": 9,
        "client": 4,
        "site": None,
        "assignee": 12,
        "status": "new",
        "number": 31,
        "title": "Gate camera",
        "label": "#31",
    }


def test_a_primary_key_field_on_something_else_than_a_foreign_key_takes_drfs_steps():
    class Linked(FlatRowSerializer):
        client = serializers.PrimaryKeyRelatedField(read_only=True)
        metric = serializers.PrimaryKeyRelatedField(read_only=True)

    clock = SlaClock(metric="resolution")  # no field "client"; "metric" is no foreign key
    clock.client = SimpleNamespace(pk=4)
    rows = [SimpleNamespace(client=SimpleNamespace(pk=3), metric=None), clock]

    assert [Linked().to_representation(row) for row in rows] == [drf(Linked(), row) for row in rows]
    assert Linked().to_representation(clock) == {"client": 4, "metric": "resolution"}
