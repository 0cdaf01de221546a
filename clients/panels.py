"""Panels that apps above clients add to the client page: today the contract standing (contracts);
memberships and billing can add theirs the same way.

clients sits below those apps and cannot import them. Each registers a panel in its AppConfig.ready();
the client page renders whatever is registered, in registration order.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

# panel(request, client) -> the panel's HTML, rendered with the request (so `can` and the like apply)
ClientPanel = Callable[[HttpRequest, object], str]
_panels: dict[str, ClientPanel] = {}


def register_client_panel(name: str, panel: ClientPanel) -> None:
    """Add the panel called ``name`` to the client page (registering a name again replaces it)."""
    _panels[name] = panel


def render_client_panels(request: HttpRequest, client) -> list[str]:
    return [panel(request, client) for panel in _panels.values()]
