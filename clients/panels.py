"""What apps above clients add to the client pages: panels on a client's page (the contract and its
agreements, tickets, membership, billing) and columns of the client list (the contract status).

clients sits below those apps and cannot import them. Each registers a panel in its AppConfig.ready();
the client page renders whatever is registered, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import HttpRequest

# panel(request, client) -> the panel's HTML, rendered with the request (so `can` and the like apply)
ClientPanel = Callable[[HttpRequest, object], str]
_panels: dict[str, ClientPanel] = {}


def register_client_panel(name: str, panel: ClientPanel) -> None:
    """Add the panel called ``name`` to the client page (registering a name again replaces it)."""
    _panels[name] = panel


def render_client_panels(request: HttpRequest, client) -> list[str]:
    return [panel(request, client) for panel in _panels.values()]


@dataclass(frozen=True)
class ClientListColumn:
    """A column an app adds to the client list, with a filter on it. ``annotate`` adds the value to the
    list's queryset as ``annotation`` (in SQL: the list stays a constant number of queries);
    ``cell_template`` renders one row's cell with ``client`` and ``value``."""

    param: str  # the filter's query parameter
    annotation: str
    heading: str
    annotate: Callable[[QuerySet], QuerySet]
    choices: Sequence[tuple[str, str]]  # the filter's values and labels
    cell_template: str


_columns: dict[str, ClientListColumn] = {}


def register_client_list_column(column: ClientListColumn) -> None:
    """Add ``column`` to the client list (registering its ``param`` again replaces it)."""
    _columns[column.param] = column


def client_list_columns() -> list[ClientListColumn]:
    return list(_columns.values())
