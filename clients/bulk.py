"""Many clients, contacts and sites at once (the CSV import): checking one record's fields, and writing a
whole batch in a few statements.

``write_directory`` is the one bulk write. It takes records already checked with ``field_problems`` and
grouped by client, and per batch of clients: creates the new ones (``bulk_create``), updates or leaves
the existing active ones of the same name (case-insensitive), and adds, updates or leaves their
contacts (matched by email, else by name) and sites (matched by name). It records ``client.created`` for
each new client, like ``services.create_client``. It runs in the caller's transaction: a failure part
way leaves nothing behind (the caller decides where the transaction ends). The database constraints
stay the backstop: a client of the same name created meanwhile fails the whole write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from clients.models import Client, Contact, Site
from clients.services import CLIENT_FIELDS, CONTACT_FIELDS, SITE_FIELDS
from events.services import record_events
from tenants.scope import current_tenant

MODELS = {"client": Client, "contact": Contact, "site": Site}
FIELDS = {"client": CLIENT_FIELDS, "contact": CONTACT_FIELDS, "site": SITE_FIELDS}
BATCH = 500  # clients per batch: a few statements each, and a progress report between batches

UPDATE, SKIP = "update", "skip"


def field_problems(kind: str, data: dict) -> dict[str, list[str]]:
    """Field name -> what is wrong with it, for one record of ``kind`` (client, contact, site) as the
    model validates it (lengths, emails, numbers, time zones, a signer's email). Empty when it is fine.
    Uniqueness is not checked here: the caller knows the whole file."""
    instance = MODELS[kind](**data)
    problems: dict[str, list[str]] = {}
    try:
        instance.clean_fields(exclude=["tenant", "client"])
    except ValidationError as error:
        problems.update(error.message_dict)
    if not problems:
        try:
            instance.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                problems.setdefault(name, []).extend(messages)
    return problems


def active_clients_named(names: Iterable[str]) -> dict[str, Client]:
    """Lower-cased name -> the current tenant's active client of that name."""
    lowered = {name.strip().lower() for name in names}
    found: dict[str, Client] = {}
    lowered_list = list(lowered)
    for start in range(0, len(lowered_list), 5000):
        chunk = lowered_list[start : start + 5000]
        for client in Client.objects.annotate(lower_name=Lower("name")).filter(
            archived_at__isnull=True, lower_name__in=chunk
        ):
            found[client.lower_name] = client
    return found


@dataclass
class ClientRecord:
    """One client of an import with what the file says about it (only the values it gives), and the
    contacts and sites to add under it. ``rows`` is how many of the file's rows it came from."""

    name: str
    values: dict = field(default_factory=dict)
    contacts: list[dict] = field(default_factory=list)
    sites: list[dict] = field(default_factory=list)
    rows: int = 1


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    skipped: int = 0

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped}


@dataclass
class DirectoryWrite:
    clients: KindCounts = field(default_factory=KindCounts)
    contacts: KindCounts = field(default_factory=KindCounts)
    sites: KindCounts = field(default_factory=KindCounts)

    def as_dict(self) -> dict:
        return {
            "clients": self.clients.as_dict(),
            "contacts": self.contacts.as_dict(),
            "sites": self.sites.as_dict(),
        }


def contact_key(data: dict) -> str:
    """How an import recognises a contact it already has under a client: its email, else its name."""
    email = (data.get("email") or "").strip().lower()
    return f"email:{email}" if email else f"name:{(data.get('full_name') or '').strip().lower()}"


def site_key(data: dict) -> str:
    return (data.get("name") or "").strip().lower()


@transaction.atomic
def write_directory(
    records: list[ClientRecord],
    *,
    on_existing: str = UPDATE,
    progress: Callable[[int, int], None] | None = None,
    batch_size: int = BATCH,
) -> DirectoryWrite:
    """Write ``records`` for the current tenant (see the module docstring); ``on_existing`` is
    ``update`` (the file's values replace the stored ones) or ``skip`` (existing clients, contacts and
    sites stay as they are; new contacts and sites are still added to existing clients). ``progress``
    is told (rows written, rows in all) after each batch."""
    tenant = current_tenant()
    result = DirectoryWrite()
    total_rows = sum(record.rows for record in records)
    done_rows = 0
    for start in range(0, len(records), batch_size):
        batch = records[start : start + batch_size]
        _write_batch(tenant, batch, on_existing=on_existing, result=result)
        done_rows += sum(record.rows for record in batch)
        if progress is not None:
            progress(done_rows, total_rows)
    return result


def _write_batch(tenant, batch: list[ClientRecord], *, on_existing: str, result: DirectoryWrite) -> None:
    now = timezone.now()
    existing = active_clients_named(record.name for record in batch)
    new_clients, changed_clients, changed_fields = [], [], set()
    client_of: list[Client] = []
    for record in batch:
        client = existing.get(record.name.strip().lower())
        if client is None:
            client = Client(tenant=tenant, name=record.name.strip(), **record.values)
            new_clients.append(client)
        elif on_existing == UPDATE and record.values:
            for name, value in record.values.items():
                setattr(client, name, value)
            client.updated_at = now
            changed_clients.append(client)
            changed_fields |= set(record.values)
        else:
            result.clients.skipped += 1
        client_of.append(client)
    Client.objects.bulk_create(new_clients)
    if changed_clients:
        Client.objects.bulk_update(changed_clients, [*sorted(changed_fields), "updated_at"])
    result.clients.created += len(new_clients)
    result.clients.updated += len(changed_clients)
    if new_clients:
        record_events(
            (tenant.pk, "client.created", {"client_id": client.pk, "client_name": client.name})
            for client in new_clients
        )
    pairs = list(zip(batch, client_of, strict=True))
    _write_contacts(tenant, pairs, on_existing=on_existing, result=result.contacts, now=now)
    _write_sites(tenant, pairs, on_existing=on_existing, result=result.sites, now=now)


def _write_contacts(tenant, pairs, *, on_existing: str, result: KindCounts, now) -> None:
    known_ids = [client.pk for record, client in pairs if record.contacts and client.pk]
    stored: dict[tuple[int, str], Contact] = {}
    for contact in Contact.objects.filter(client_id__in=known_ids, archived_at__isnull=True):
        stored.setdefault(
            (contact.client_id, contact_key({"email": contact.email, "full_name": contact.full_name})),
            contact,
        )
    new, changed, fields = [], [], set()
    primary_clients, primaries = set(), []
    for record, client in pairs:
        for data in record.contacts:
            contact = stored.get((client.pk, contact_key(data)))
            if contact is None:
                new.append(Contact(tenant=tenant, client=client, **data))
            elif on_existing == UPDATE:
                for name, value in data.items():
                    setattr(contact, name, value)
                contact.updated_at = now
                changed.append(contact)
                fields |= set(data)
            else:
                result.skipped += 1
                continue
            if data.get("is_primary"):
                primary_clients.add(client.pk)
                if contact is not None:
                    primaries.append(contact)
    if primary_clients:  # one primary contact per client: the file's replaces the stored one
        Contact.objects.filter(client_id__in=primary_clients, is_primary=True).update(is_primary=False)
        for contact in changed:
            if contact.client_id in primary_clients and contact not in primaries:
                contact.is_primary = False
        fields.add("is_primary")
    Contact.objects.bulk_create(new)
    if changed:
        Contact.objects.bulk_update(changed, [*sorted(fields), "updated_at"])
    result.created += len(new)
    result.updated += len(changed)


def _write_sites(tenant, pairs, *, on_existing: str, result: KindCounts, now) -> None:
    known_ids = [client.pk for record, client in pairs if record.sites and client.pk]
    stored: dict[tuple[int, str], Site] = {}
    for site in Site.objects.filter(client_id__in=known_ids, archived_at__isnull=True):
        stored.setdefault((site.client_id, site_key({"name": site.name})), site)
    new, changed, fields = [], [], set()
    for record, client in pairs:
        for data in record.sites:
            site = stored.get((client.pk, site_key(data)))
            if site is None:
                new.append(Site(tenant=tenant, client=client, **data))
            elif on_existing == UPDATE:
                for name, value in data.items():
                    setattr(site, name, value)
                site.updated_at = now
                changed.append(site)
                fields |= set(data)
            else:
                result.skipped += 1
    Site.objects.bulk_create(new)
    if changed:
        Site.objects.bulk_update(changed, [*sorted(fields), "updated_at"])
    result.created += len(new)
    result.updated += len(changed)
