"""The top bar's search: clients, contacts, sites, tickets and agreements of one tenant at once.

Each app searches its own tables (``search_clients`` and the like in its selectors, matching as
tenants/trigram.py says); this module asks them in turn and shapes the hits for the page. Every one of
those queries filters on the tenant explicitly and runs under the tenant's row-level security too; the
search functions they ask first for matching ids (through the trigram indexes) keep to the current
tenant themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse

from clients import selectors as clients
from contracts import selectors as contracts
from tickets import selectors as tickets

MIN_LENGTH = 2
MAX_LENGTH = 100


@dataclass(frozen=True)
class Hit:
    label: str
    detail: str
    url: str
    status: str = ""


@dataclass(frozen=True)
class HitGroup:
    kind: str  # "clients" | "contacts" | "sites" | "tickets" | "agreements"
    label: str
    hits: list[Hit]
    has_more: bool  # more rows matched than were asked for
    near: bool = False  # close to the query rather than containing it


@dataclass(frozen=True)
class SearchResults:
    query: str
    groups: list[HitGroup]
    near_misses: bool = False  # nothing contained the query: these come close to it

    @property
    def too_short(self) -> bool:
        return len(self.query) < MIN_LENGTH

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)


def _client_hit(client) -> Hit:
    return Hit(
        label=client.name,
        detail=client.email,
        url=reverse("clients:detail", args=[client.pk]),
        status="Archived" if client.is_archived else "",
    )


def _contact_hit(contact) -> Hit:
    detail = " · ".join(part for part in (contact.client.name, contact.email, contact.job_title) if part)
    return Hit(
        label=contact.full_name,
        detail=detail,
        url=reverse("clients:detail", args=[contact.client_id]),
        status="Archived" if contact.is_archived else "",
    )


def _site_hit(site) -> Hit:
    return Hit(
        label=site.name,
        detail=f"{site.client.name} · {site.one_line_address}",
        url=reverse("clients:detail", args=[site.client_id]),
        status="Archived" if site.is_archived else "",
    )


def _ticket_hit(ticket) -> Hit:
    return Hit(
        label=f"#{ticket.number} {ticket.title}",
        detail=ticket.client.name,
        url=reverse("tickets:detail", args=[ticket.pk]),
        status=ticket.get_status_display(),
    )


def _agreement_hit(agreement) -> Hit:
    term = ""
    if agreement.starts_on and agreement.ends_on:
        term = f"{agreement.starts_on:%d %b %Y} – {agreement.ends_on:%d %b %Y}"
    detail = " · ".join(part for part in (agreement.client.name, term) if part)
    return Hit(
        label=f"#{agreement.pk} {agreement.version.title} (v{agreement.version.number})",
        detail=detail,
        url=reverse("contracts:agreement_detail", args=[agreement.pk]),
        status=agreement.get_status_display(),
    )


# kind -> (heading, the app's search selector, how one row reads), in the order the groups show
KINDS: dict[str, tuple[str, Callable, Callable]] = {
    "clients": ("Clients", clients.search_clients, _client_hit),
    "contacts": ("Contacts", clients.search_contacts, _contact_hit),
    "sites": ("Sites", clients.search_sites, _site_hit),
    "tickets": ("Tickets", tickets.best_ticket_matches, _ticket_hit),
    "agreements": ("Agreements", contracts.search_agreements, _agreement_hit),
}


def normalise_query(query: str) -> str:
    """Whitespace collapsed, NUL bytes dropped, at most MAX_LENGTH characters."""
    return " ".join(query.replace("\x00", "").split())[:MAX_LENGTH]


def search_everything(tenant, query: str, limit: int, *, kinds: Iterable[str] | None = None) -> SearchResults:
    """Up to ``limit`` hits of each kind (all of KINDS, or those in ``kinds``) of ``tenant`` containing
    ``query`` or, when no row of any kind does, coming close to it; kinds without a hit are left out. A
    query shorter than MIN_LENGTH finds nothing."""
    query = normalise_query(query)
    wanted = list(KINDS) if kinds is None else [kind for kind in KINDS if kind in set(kinds)]
    groups = []
    if len(query) >= MIN_LENGTH:
        groups = _groups(tenant, query, limit, wanted, near=False)
        if not groups:  # nothing contains it: a typo? Look for near misses (pg_trgm), a costlier check.
            groups = _groups(tenant, query, limit, wanted, near=True)
    return SearchResults(query=query, groups=groups, near_misses=bool(groups) and groups[0].near)


def _groups(tenant, query: str, limit: int, kinds: list[str], *, near: bool) -> list[HitGroup]:
    groups = []
    for kind in kinds:
        label, search, as_hit = KINDS[kind]
        rows = search(tenant, query, limit=limit + 1, near=near)  # one more says whether there are more
        if rows:
            hits = [as_hit(row) for row in rows[:limit]]
            groups.append(HitGroup(kind, label, hits, has_more=len(rows) > limit, near=near))
    return groups
