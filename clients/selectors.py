from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from clients.models import Client, Contact, ServiceArea, Site
from tenants.trigram import best_matches


def client_list(*, search: str = "", archived: bool = False) -> QuerySet[Client]:
    """Clients of the current tenant, active or archived, matching a search over name, email, phone
    and the names and emails of their contacts."""
    clients = Client.objects.filter(archived_at__isnull=not archived)
    if search := search.strip():
        clients = clients.filter(
            Q(name__icontains=search)
            | Q(email__icontains=search)
            | Q(phone__icontains=search)
            | Q(contacts__full_name__icontains=search)
            | Q(contacts__email__icontains=search)
        ).distinct()
    return clients.annotate(
        contact_count=Count("contacts", filter=Q(contacts__archived_at__isnull=True), distinct=True),
        site_count=Count("sites", filter=Q(sites__archived_at__isnull=True), distinct=True),
    )


def name_taken(name: str, *, exclude_pk: int | None = None) -> bool:
    return (
        Client.objects.filter(archived_at__isnull=True, name__iexact=name.strip())
        .exclude(pk=exclude_pk)
        .exists()
    )


@dataclass(frozen=True)
class TenantCounts:
    clients: int
    archived_clients: int
    contacts: int
    signers: int
    sites: int
    endpoints: int


def tenant_counts() -> TenantCounts:
    """The figures on the landing page, for the current tenant."""
    clients = Client.objects.aggregate(
        active=Count("id", filter=Q(archived_at__isnull=True)),
        archived=Count("id", filter=Q(archived_at__isnull=False)),
        endpoints=Coalesce(Sum("managed_endpoints", filter=Q(archived_at__isnull=True)), 0),
    )
    live_contacts = Contact.objects.filter(archived_at__isnull=True, client__archived_at__isnull=True)
    return TenantCounts(
        clients=clients["active"],
        archived_clients=clients["archived"],
        contacts=live_contacts.count(),
        signers=live_contacts.filter(can_sign=True).count(),
        sites=Site.objects.filter(archived_at__isnull=True, client__archived_at__isnull=True).count(),
        endpoints=clients["endpoints"],
    )


def largest_clients(limit: int = 5) -> QuerySet[Client]:
    return Client.objects.filter(archived_at__isnull=True).order_by("-managed_endpoints", "name")[:limit]


# --- Service area -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteArea:
    """Whether a site is inside the company's service area: ``area`` is "inside", "outside" or "" (not
    known: no site, or no service area set and no choice on the site), with the reason in words."""

    area: str
    reason: str


def _area_key(text: str) -> str:
    """Postcodes and towns compared without case or spaces: "sw1a 1aa" is "SW1A1AA"."""
    return "".join(text.split()).upper()


def service_area_entries(text: str) -> list[str]:
    """The company's service area as typed (one per line or separated by commas), blanks dropped."""
    return [entry.strip() for line in text.splitlines() for entry in line.split(",") if entry.strip()]


def site_area(site: Site | None, *, service_area: str) -> SiteArea:
    """Where ``site`` lies against ``service_area`` (the tenant's list of postcode prefixes and town
    names): the site's own choice first; otherwise inside when its postcode starts with a listed prefix
    or its town is listed, outside when the list is set and neither matches."""
    if site is None:
        return SiteArea("", "The ticket has no site, so the service area does not apply.")
    if site.service_area == ServiceArea.INSIDE:
        return SiteArea("inside", f"{site.name} is marked inside the service area.")
    if site.service_area == ServiceArea.OUTSIDE:
        return SiteArea("outside", f"{site.name} is marked outside the service area.")
    entries = service_area_entries(service_area)
    if not entries:
        return SiteArea("", "The company has no service area set, so travel is decided without it.")
    postcode, town = _area_key(site.postal_code), _area_key(site.city)
    for entry in entries:
        key = _area_key(entry)
        if postcode and postcode.startswith(key):
            return SiteArea(
                "inside", f"{site.name}'s postcode {site.postal_code} is in the service area ({entry})."
            )
        if town and town == key:
            return SiteArea("inside", f"{site.name} is in {site.city}, inside the service area.")
    where = " ".join(part for part in (site.postal_code, site.city) if part) or "its address"
    return SiteArea("outside", f"{site.name} ({where}) is outside the service area.")


# --- Search (the top bar's search_everything reads these) -----------------------------------------

CLIENT_SEARCH_FIELDS = ["name", "email"]
CONTACT_SEARCH_FIELDS = ["full_name", "email"]
SITE_SEARCH_FIELDS = ["name", "address_line1", "city"]


def _search(queryset: QuerySet, tenant, fields: list[str], term: str, limit: int, near: bool) -> list:
    """The ``limit`` rows of ``tenant`` matching ``term`` best, active before archived. The tenant is a
    filter of its own, besides the scoped manager and RLS."""
    return best_matches(
        queryset.filter(tenant_id=tenant.pk), fields, term, limit=limit, near=near,
        order_first=(F("archived_at").asc(nulls_first=True),),
    )  # fmt: skip


def search_clients(tenant, term: str, *, limit: int, near: bool = False) -> list[Client]:
    """Clients of ``tenant`` whose name or email matches ``term`` (tenants.trigram.best_matches)."""
    return _search(Client.objects.all(), tenant, CLIENT_SEARCH_FIELDS, term, limit, near)


def search_contacts(tenant, term: str, *, limit: int, near: bool = False) -> list[Contact]:
    """Contacts of ``tenant`` whose name or email matches ``term``, with their client."""
    return _search(Contact.objects.select_related("client"), tenant, CONTACT_SEARCH_FIELDS, term, limit, near)


def search_sites(tenant, term: str, *, limit: int, near: bool = False) -> list[Site]:
    """Sites of ``tenant`` whose name, street address or city matches ``term``, with their client."""
    return _search(Site.objects.select_related("client"), tenant, SITE_SEARCH_FIELDS, term, limit, near)
