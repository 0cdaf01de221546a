from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import replace_query_param

from tenants.keyset_pages import KeysetPage


class CreatedCursorPagination(CursorPagination):
    """Stable pages under concurrent inserts: newest first, keyed on the id."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class NewestCreatedCursorPagination(CreatedCursorPagination):
    """Newest first by creation time, for tables with a ``(tenant_id, created_at DESC, id DESC)`` index.

    Ordered by the id alone, PostgreSQL may walk the primary key backwards and filter on the tenant, a
    near tie in its costs with the tenant's own index: right while the tenant's rows are spread through
    the table, but for a tenant whose rows are old (a million tickets before another tenant's million)
    it read 1.1M rows of others for one page (1.8 s). No index but the tenant's orders by created_at."""

    ordering = ("-created_at", "-id")


class NewestStartedCursorPagination(CreatedCursorPagination):
    """SLA clocks newest first, by the time they started (their ticket's creation, never changed), for the
    reason NewestCreatedCursorPagination gives."""

    ordering = ("-started_at", "-id")


def keyset_links(request, page: KeysetPage) -> dict[str, str | None]:
    """``next`` and ``previous`` of a keyset page (tenants.keyset_pages) for an answer that keeps its own
    envelope: the request's absolute URL with the page's cursor, as DRF's CursorPagination writes its
    links, or None at either end."""
    url = request.build_absolute_uri()

    def link(cursor: str) -> str | None:
        return replace_query_param(url, "cursor", cursor) if cursor else None

    return {"next": link(page.older), "previous": link(page.newer)}
