from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import ListView, TemplateView
from django.views.generic.detail import SingleObjectMixin

from notifications import selectors, services
from notifications.models import Notification
from tenants.keyset_pages import keyset_list_context
from tenants.views import StaffRequiredMixin


class NotificationListView(StaffRequiredMixin, ListView):
    """Your notifications in this company, newest first; ``?show=unread`` for the unread ones. Keyset
    pages (tenants.keyset_pages) and a capped count: an inbox grows with every SLA warning, and page 40
    costs what page 1 does."""

    model = Notification
    page_size = 25
    template_name = "notifications/notification_list.html"

    def get_queryset(self):
        return selectors.inbox(self.request.user, unread_only=self.request.GET.get("show") == "unread")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            keyset_list_context(
                self.request.GET, context["object_list"], ("-created_at", "-id"), size=self.page_size
            ),
            show=self.request.GET.get("show", "all"),
            unread=selectors.unread_count(self.request.user),
        )
        return context


class UnreadCountView(StaffRequiredMixin, View):
    """``{"unread": n}``: for a badge."""

    def get(self, request):
        return JsonResponse({"unread": selectors.unread_count(request.user)})


class BadgeView(StaffRequiredMixin, TemplateView):
    """The bell's badge alone (htmx polls it)."""

    template_name = "notifications/includes/badge.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(unread=selectors.unread_count(self.request.user), **kwargs)


class MenuView(StaffRequiredMixin, TemplateView):
    """The bell's dropdown content (htmx refreshes it when the menu opens)."""

    template_name = "notifications/includes/menu.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            latest=selectors.latest(self.request.user),
            unread=selectors.unread_count(self.request.user),
            **kwargs,
        )


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class MarkReadView(StaffRequiredMixin, SingleObjectMixin, View):
    """POST: mark one of your notifications read; ``open=1`` then goes where it leads."""

    model = Notification
    http_method_names = ["post"]

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    def post(self, request, *args, **kwargs):
        notification = services.mark_read(self.get_object())
        if request.POST.get("open") and notification.url:
            return HttpResponseRedirect(notification.url)
        return HttpResponseRedirect(_safe_next(request, reverse("notifications:list")))


class MarkAllReadView(StaffRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        services.mark_all_read(request.user)
        return HttpResponseRedirect(_safe_next(request, reverse("notifications:list")))
