from django.views.generic import TemplateView

from search.selectors import MIN_LENGTH, search_everything
from tenants.views import StaffRequiredMixin

# Which permission shows which kind of hit.
KIND_PERMISSIONS = {
    "clients": "clients.view",
    "contacts": "clients.view",
    "sites": "clients.view",
    "tickets": "tickets.view",
    "agreements": "contracts.view",
}


class SearchView(StaffRequiredMixin, TemplateView):
    """The full results page, /search/?q=…: up to ``limit`` hits of each kind the person may see."""

    template_name = "search/results.html"
    limit = 20

    def get_context_data(self, **kwargs):
        membership = self.request.membership
        kinds = [kind for kind, permission in KIND_PERMISSIONS.items() if membership.can(permission)]
        results = search_everything(
            self.request.tenant, self.request.GET.get("q", ""), self.limit, kinds=kinds
        )
        return super().get_context_data(results=results, min_length=MIN_LENGTH, **kwargs)


class LiveSearchView(SearchView):
    """What the top bar's search box shows as you type (htmx): a few hits of each kind."""

    template_name = "search/results.html#live"
    limit = 5
