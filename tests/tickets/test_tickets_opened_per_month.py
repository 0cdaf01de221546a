"""Tickets opened per client and month (tickets.models.OpenedInMonth): kept by the database's triggers
whatever writes the tickets, and read back by tickets.opened as the tickets themselves would count."""

import importlib
import io
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.db.models import OuterRef

from clients.models import Client
from tenants.scope import tenant_scope
from tests.concurrency import race
from tests.factories import ClientFactory, TicketFactory
from tickets.models import OpenedInMonth, Ticket
from tickets.opened import opened_between, recount_opened, whole_months

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")


def counts(tenant) -> dict[tuple[int, date], int]:
    with tenant_scope(tenant):
        return {(row.client_id, row.month): row.opened for row in OpenedInMonth.objects.all() if row.opened}


def copies(ticket, *moments: datetime, client=None) -> list[Ticket]:
    """Tickets like ``ticket`` opened at ``moments``, written in one INSERT (as a bulk load or an import)."""
    with tenant_scope(ticket.tenant):
        last = Ticket.objects.order_by("-number").values_list("number", flat=True).first()
        rows = []
        for offset, moment in enumerate(moments, start=1):
            row = Ticket.objects.get(pk=ticket.pk)
            row.pk, row.number, row.created_at = None, last + offset, moment
            row.client = client or ticket.client
            rows.append(row)
        return Ticket.objects.bulk_create(rows)


def delete_in_sql(tenant, *tickets: Ticket) -> None:
    """Tickets deleted as a data fix would (the app keeps a ticket's history, so it never deletes one)."""
    with tenant_scope(tenant), connection.cursor() as cursor:
        cursor.execute("DELETE FROM tickets_ticket WHERE id = ANY(%s)", [[ticket.pk for ticket in tickets]])


def test_a_ticket_counts_in_the_utc_month_it_was_opened(tenant):
    # 23:30 on 31 March in New York is 03:30 on 1 April in UTC.
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 3, 31, 23, 30, tzinfo=NEW_YORK))
    TicketFactory(client=ticket.client, now=datetime(2026, 4, 20, 9, 0, tzinfo=UTC))

    assert counts(tenant) == {(ticket.client_id, date(2026, 4, 1)): 2}


def test_one_insert_of_many_tickets_adds_them_per_client_and_month(tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    other = ClientFactory(tenant=tenant)
    copies(ticket, datetime(2026, 1, 6, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    copies(ticket, datetime(2026, 1, 31, 23, 59, tzinfo=UTC), client=other)

    assert counts(tenant) == {
        (ticket.client_id, date(2026, 1, 1)): 2,
        (ticket.client_id, date(2026, 2, 1)): 1,
        (other.id, date(2026, 1, 1)): 1,
    }


def test_deleted_tickets_are_taken_off(tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    added = copies(ticket, datetime(2026, 1, 6, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
    delete_in_sql(tenant, *added)

    assert counts(tenant) == {(ticket.client_id, date(2026, 1, 1)): 1}


def test_a_ticket_moved_to_another_client_or_month_moves_its_count(tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    other = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        Ticket.objects.filter(pk=ticket.pk).update(client=other)
        assert counts(tenant) == {(other.id, date(2026, 1, 1)): 1}
        Ticket.objects.filter(pk=ticket.pk).update(created_at=datetime(2025, 12, 31, tzinfo=UTC))
        assert counts(tenant) == {(other.id, date(2025, 12, 1)): 1}
        Ticket.objects.filter(pk=ticket.pk).update(title="Lounge TV: no picture", status="closed")
        assert counts(tenant) == {(other.id, date(2025, 12, 1)): 1}


def test_a_count_that_does_not_hold_fails_the_write_instead_of_going_wrong(tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    (copy,) = copies(ticket, datetime(2026, 1, 6, tzinfo=UTC))  # no history, so it may be deleted
    other = ClientFactory(tenant=tenant)
    with tenant_scope(tenant):
        OpenedInMonth.objects.all().delete()  # as if the tickets had been loaded with triggers off
        with pytest.raises(DatabaseError, match="recount it"), transaction.atomic():
            Ticket.objects.filter(pk=ticket.pk).update(client=other)
        with pytest.raises(DatabaseError, match="recount it"), transaction.atomic():
            delete_in_sql(tenant, copy)
        assert Ticket.objects.filter(pk=copy.pk).exists()
        assert Ticket.objects.get(pk=ticket.pk).client_id == ticket.client_id


@pytest.mark.django_db(transaction=True)
def test_tickets_opened_at_once_for_one_client_are_all_counted(tenant):
    client = ClientFactory(tenant=tenant)
    opened_at = datetime(2026, 6, 10, tzinfo=UTC)

    def open_three():
        for _ in range(3):
            TicketFactory(client=client, now=opened_at)

    race(open_three, workers=3)
    assert counts(tenant) == {(client.id, date(2026, 6, 1)): 9}


def test_the_migration_counts_the_tickets_written_before_it(tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    copies(ticket, datetime(2026, 3, 1, tzinfo=UTC))
    migration = importlib.import_module("tickets.migrations.0024_opened_in_month")
    with tenant_scope(tenant):
        OpenedInMonth.objects.all().delete()  # as before the migration
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")  # the owner, who migrates
        cursor.execute(migration.COUNT_EXISTING)
        cursor.execute("RESET ROLE")
    assert counts(tenant) == {
        (ticket.client_id, date(2026, 1, 1)): 1,
        (ticket.client_id, date(2026, 3, 1)): 1,
    }


# --- Reading: whole months from the counts, the ends from the tickets ---------------------------------


def test_a_window_is_split_into_whole_utc_months_and_its_two_ends():
    start = datetime(2025, 12, 15, tzinfo=NEW_YORK)  # 05:00 UTC
    end = datetime(2026, 12, 16, tzinfo=NEW_YORK)
    split = whole_months(start, end)
    assert (split.first_month, split.after_month) == (date(2026, 1, 1), date(2026, 12, 1))
    assert split.head == (start, datetime(2026, 1, 1, tzinfo=UTC))
    assert split.tail == (datetime(2026, 12, 1, tzinfo=UTC), end)


def test_a_window_on_month_boundaries_reads_no_tickets():
    split = whole_months(datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert (split.first_month, split.after_month) == (date(2026, 1, 1), date(2027, 1, 1))
    assert split.head[0] == split.head[1]
    assert split.tail[0] == split.tail[1]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)),  # inside one month
        (datetime(2026, 3, 31, 22, tzinfo=UTC), datetime(2026, 4, 1, 2, tzinfo=UTC)),  # across one boundary
        (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 5, tzinfo=UTC)),  # empty
    ],
)
def test_a_window_without_a_whole_month_is_read_from_the_tickets(start, end):
    split = whole_months(start, end)
    assert split.first_month == split.after_month
    assert split.head == ((start, end) if start < end else (start, start))


def test_tickets_opened_between_two_instants_agree_with_the_tickets_themselves(tenant):
    randomly = random.Random(18)
    clients = [ClientFactory(tenant=tenant) for _ in range(3)]
    first = TicketFactory(client=clients[0], now=datetime(2025, 11, 30, 23, 59, tzinfo=UTC))
    for client in clients:
        moments = [
            datetime(2025, 11, 1, tzinfo=UTC) + timedelta(minutes=randomly.randrange(0, 60 * 24 * 480))
            for _ in range(40)
        ]
        # Month boundaries in UTC and in New York, where the ends of a window fall.
        moments += [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=NEW_YORK)]
        copies(first, *moments, client=client)
    windows = [
        (datetime(2025, 12, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
        (datetime(2026, 3, 1, tzinfo=NEW_YORK), datetime(2026, 3, 2, tzinfo=NEW_YORK)),
        (datetime(2025, 11, 30, 23, 59, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
    ]
    for _ in range(20):
        a, b = (datetime(2025, 10, 15, tzinfo=NEW_YORK) + timedelta(hours=randomly.randrange(0, 24 * 540))
                for _ in range(2))  # fmt: skip
        windows.append((min(a, b), max(a, b)))

    with tenant_scope(tenant):
        for start, end in windows:
            read = dict(
                Client.objects.annotate(n=opened_between(OuterRef("pk"), start, end)).values_list("pk", "n")
            )
            counted = {
                client.pk: Ticket.objects.filter(
                    client=client, created_at__gte=start, created_at__lt=end
                ).count()
                for client in clients
            }
            assert read == counted, (start, end)


def test_another_tenants_tickets_never_count(tenant, other_tenant):
    mine = TicketFactory(client__tenant=tenant, now=datetime(2026, 2, 10, tzinfo=UTC))
    theirs = TicketFactory(client__tenant=other_tenant, now=datetime(2026, 2, 10, tzinfo=UTC))
    with tenant_scope(tenant):
        read = dict(
            Client.objects.annotate(
                n=opened_between(
                    OuterRef("pk"), datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
                )
            ).values_list("pk", "n")
        )
    assert read == {mine.client_id: 1}
    assert counts(other_tenant) == {(theirs.client_id, date(2026, 2, 1)): 1}


# --- Recounting ---------------------------------------------------------------------------------------


def test_recounting_mends_missing_and_wrong_months_and_says_how_many(tenant, other_tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    copies(ticket, datetime(2026, 1, 9, tzinfo=UTC), datetime(2026, 2, 3, tzinfo=UTC))
    theirs = TicketFactory(client__tenant=other_tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    with tenant_scope(tenant):
        OpenedInMonth.objects.filter(month=date(2026, 1, 1)).update(opened=7)
        OpenedInMonth.objects.filter(month=date(2026, 2, 1)).delete()
        OpenedInMonth.objects.create(tenant=tenant, client=ticket.client, month=date(2025, 6, 1), opened=4)

        recount = recount_opened()

    assert (recount.tickets, recount.months, recount.corrected) == (3, 2, 3)
    assert counts(tenant) == {
        (ticket.client_id, date(2026, 1, 1)): 2,
        (ticket.client_id, date(2026, 2, 1)): 1,
    }
    assert counts(other_tenant) == {(theirs.client_id, date(2026, 1, 1)): 1}
    with tenant_scope(tenant):
        assert recount_opened().corrected == 0


def test_the_recount_command_reports_each_company_it_corrected(tenant, other_tenant):
    ticket = TicketFactory(client__tenant=tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    TicketFactory(client__tenant=other_tenant, now=datetime(2026, 1, 5, tzinfo=UTC))
    with tenant_scope(tenant):
        OpenedInMonth.objects.all().delete()
    out = io.StringIO()

    call_command("recount_tickets_opened", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines == [
        f"{tenant.name} ({tenant.slug}): 1 tickets in 1 client months; 1 month corrected.",
        "Recounted 2 tickets for 2 companies in " + lines[-1].split(" in ")[-1],
    ]
    assert lines[-1].endswith("s; 1 client month corrected.")
    assert counts(tenant) == {(ticket.client_id, date(2026, 1, 1)): 1}


def test_the_recount_command_refuses_an_unknown_company_and_names_the_known_ones(tenant):
    with pytest.raises(CommandError, match=tenant.slug):
        call_command("recount_tickets_opened", "--tenant", "nobody", stdout=io.StringIO())
