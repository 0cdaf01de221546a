from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from clients.models import Client, Contact, Site
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
