from rest_framework.pagination import CursorPagination


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
