"""Staff pages of partner webhooks (managers and owners): the endpoints, registering and editing one,
its secret shown on demand, rotating it, disabling and enabling, deleting, and the delivery log with
"send again". Thin: forms and buttons call ``webhooks.services``."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.views.generic import DetailView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import BaseFormView

from accounts.actors import actor_label
from tenants.keyset_pages import keyset_page
from tenants.views import StaffRequiredMixin
from webhooks import selectors, services
from webhooks.forms import DisableEndpointForm, WebhookEndpointForm
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

PERMISSION = "webhooks.manage"


class WebhooksStaffMixin(StaffRequiredMixin):
    permission = PERMISSION


class EndpointListView(WebhooksStaffMixin, ListView):
    template_name = "webhooks/endpoint_list.html"
    context_object_name = "endpoints"

    def get_queryset(self):
        return selectors.endpoint_list(now=timezone.now())


class EndpointFormMixin(WebhooksStaffMixin):
    form_class = WebhookEndpointForm
    template_name = "webhooks/endpoint_form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(groups=selectors.event_type_groups(), **kwargs)

    def save(self, form) -> WebhookEndpoint:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            endpoint = self.save(form)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
            return self.form_invalid(form)
        return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))


class EndpointCreateView(EndpointFormMixin, FormView):
    def save(self, form):
        endpoint = services.create_endpoint(created_by=self.request.user, **form.cleaned_data)
        messages.success(self.request, "Endpoint registered. Give its signing secret (below) to the partner.")
        return endpoint


class EndpointUpdateView(EndpointFormMixin, SingleObjectMixin, FormView):
    model = WebhookEndpoint

    @cached_property
    def endpoint(self) -> WebhookEndpoint:
        return self.get_object()

    def get(self, request, *args, **kwargs):
        self.object = self.endpoint  # a 404 for another tenant's endpoint, before any form
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.object = self.endpoint
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return {
            "url": self.endpoint.url,
            "description": self.endpoint.description,
            "events": self.endpoint.events,
        }

    def save(self, form):
        endpoint = services.update_endpoint(self.endpoint, **form.cleaned_data)
        messages.success(self.request, "Endpoint saved.")
        return endpoint


class EndpointDetailView(WebhooksStaffMixin, DetailView):
    """The endpoint, its secret when asked for (``?secret=show``; never cached), and its delivery log
    (htmx swaps just the log when paging or filtering)."""

    model = WebhookEndpoint
    template_name = "webhooks/endpoint_detail.html"
    context_object_name = "endpoint"
    page_size = 20  # keyset pages (tenants.keyset_pages): the log grows with every event sent

    def get_template_names(self):
        if self.request.htmx and self.request.htmx.target == "results":
            return [f"{self.template_name}#results"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        log = selectors.delivery_log(self.object, status=status)
        page = keyset_page(
            log, ("-created_at", "-id"), size=self.page_size, cursor=self.request.GET.get("cursor", "")
        )
        for delivery in page.rows:  # the message as the partner receives it, readable
            delivery.message_json = json.dumps(delivery.message, indent=2, ensure_ascii=False)
        return super().get_context_data(
            show_secret=self.request.GET.get("secret") == "show",
            signing_secrets=services.signing_secrets(self.object, now=timezone.now()),
            status=status if status in DeliveryStatus.values else "",
            statuses=DeliveryStatus.choices,
            counts=selectors.delivery_counts(self.object),
            deliveries=page.rows,
            keyset=page,
            querystring=f"status={status}" if status else "",
            disable_form=DisableEndpointForm(),
            **kwargs,
        )

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["show_secret"]:
            add_never_cache_headers(response)
        return response


class EndpointActionView(WebhooksStaffMixin, SingleObjectMixin, BaseFormView):
    """A button on the endpoint's page: POST, do one thing, back to the page."""

    model = WebhookEndpoint
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        endpoint = self.get_object()
        return self.act(endpoint) or HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]))

    def act(self, endpoint):
        raise NotImplementedError


class EndpointRotateView(EndpointActionView):
    def act(self, endpoint):
        services.rotate_secret(endpoint)
        messages.success(
            self.request,
            "New secret created. The previous one also signs for 24 hours, so the partner can switch over.",
        )
        return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.pk]) + "?secret=show#secret")


class EndpointEnableView(EndpointActionView):
    def act(self, endpoint):
        if self.request.POST.get("action") == "enable":
            services.set_enabled(endpoint, True)
            messages.success(self.request, "Endpoint enabled: new events are sent to it again.")
            return None
        form = DisableEndpointForm(self.request.POST)
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        services.set_enabled(
            endpoint, False, reason=reason or f"Disabled by {actor_label(self.request.user)}."
        )
        messages.success(self.request, "Endpoint disabled: nothing is sent to it until it is enabled again.")
        return None


class EndpointDeleteView(EndpointActionView):
    def act(self, endpoint):
        services.delete_endpoint(endpoint)
        messages.success(self.request, f"Endpoint {endpoint.url} deleted with its delivery log.")
        return HttpResponseRedirect(reverse("webhooks:list"))


class DeliverySendAgainView(WebhooksStaffMixin, SingleObjectMixin, BaseFormView):
    model = WebhookDelivery
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        delivery = self.get_object()
        try:
            services.send_again(delivery)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{delivery.event_type} ({delivery.message_id}) is being sent again.")
        return HttpResponseRedirect(reverse("webhooks:detail", args=[delivery.endpoint_id]))
