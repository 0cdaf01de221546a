from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Stable pages under concurrent inserts: newest first, keyed on the id."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
