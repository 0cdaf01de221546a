"""Writes to clients, contacts and sites. Each runs inside the caller's tenant scope.

A contact or site takes its tenant from its client, so PostgreSQL's row-level security refuses a row
whose client belongs to another tenant (WITH CHECK), whatever id a caller passes in.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients import selectors
from clients.models import Client, Contact, Site
from events.services import record_event
from tenants.scope import current_tenant

CLIENT_FIELDS = {"name", "email", "phone", "managed_endpoints", "notes"}
CONTACT_FIELDS = {"full_name", "email", "phone", "job_title", "is_primary", "can_sign"}
SITE_FIELDS = {
    "name",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "timezone",
    "travel_minutes",
    "service_area",
}


def _apply(instance, fields: set[str], data: dict):
    unknown = set(data) - fields
    if unknown:
        raise TypeError(f"Unknown fields for {type(instance).__name__}: {', '.join(sorted(unknown))}")
    for name, value in data.items():
        setattr(instance, name, value)
    instance.full_clean(exclude=["tenant", "client"])
    if isinstance(instance, Client):
        _check_name_is_free(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        if "client_name_unique_per_tenant" in str(error):  # lost a race with another create
            raise ValidationError({"name": "Another active client already has this name."}) from error
        raise
    return instance


def _check_name_is_free(client: Client) -> None:
    """Active clients have distinct names within a tenant (the database constraint is the backstop)."""
    client.name = client.name.strip()
    if client.archived_at is None and selectors.name_taken(client.name, exclude_pk=client.pk):
        raise ValidationError({"name": "Another active client already has this name."})


@transaction.atomic
def create_client(**data) -> Client:
    """A new client of the current tenant. Records ``client.created``."""
    client = _apply(Client(tenant=current_tenant()), CLIENT_FIELDS, data)
    record_event("client.created", client_id=client.pk, client_name=client.name)
    return client


@transaction.atomic
def update_client(client: Client, **data) -> Client:
    return _apply(client, CLIENT_FIELDS, data)


def archive_client(client: Client) -> Client:
    """Archive (never delete): the client leaves lists and pickers; its history stays. Undo: restore.
    Archiving an archived client keeps its original date."""
    if client.archived_at is not None:
        return client
    client.archived_at = timezone.now()
    client.save(update_fields=["archived_at", "updated_at"])
    return client


def restore_client(client: Client) -> Client:
    client.archived_at = None
    _check_name_is_free(client)  # its name may have been taken meanwhile
    client.save(update_fields=["archived_at", "updated_at"])
    return client


@transaction.atomic
def _only_primary(contact: Contact) -> None:
    if contact.is_primary:
        Contact.objects.filter(client_id=contact.client_id, is_primary=True).exclude(pk=contact.pk).update(
            is_primary=False
        )


@transaction.atomic
def create_contact(*, client: Client, **data) -> Contact:
    contact = _apply(Contact(tenant_id=client.tenant_id, client=client), CONTACT_FIELDS, data)
    _only_primary(contact)
    return contact


@transaction.atomic
def update_contact(contact: Contact, **data) -> Contact:
    contact = _apply(contact, CONTACT_FIELDS, data)
    _only_primary(contact)
    return contact


@transaction.atomic
def create_site(*, client: Client, **data) -> Site:
    return _apply(Site(tenant_id=client.tenant_id, client=client), SITE_FIELDS, data)


@transaction.atomic
def update_site(site: Site, **data) -> Site:
    return _apply(site, SITE_FIELDS, data)


def set_archived(instance: Contact | Site, archived: bool) -> Contact | Site:
    if archived == instance.is_archived:
        return instance
    instance.archived_at = timezone.now() if archived else None
    instance.save(update_fields=["archived_at", "updated_at"])
    return instance
