from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import CreateView, DetailView, ListView, UpdateView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import BaseFormView

from clients import selectors, services
from clients.forms import ClientForm, ContactForm, SiteForm
from clients.models import Client, Contact, Site
from clients.panels import client_list_columns, render_client_panels
from tenants.views import StaffRequiredMixin

SORTS = {"name": Lower("name"), "-managed_endpoints": "-managed_endpoints", "-created_at": "-created_at"}


class ClientListView(StaffRequiredMixin, ListView):
    model = Client
    paginate_by = 25
    template_name = "clients/client_list.html"

    def get_queryset(self):
        sort = self.request.GET.get("sort", "name")
        clients = selectors.client_list(
            search=self.request.GET.get("q", ""), archived=self.request.GET.get("archived") == "1"
        )
        for column in client_list_columns():
            clients = column.annotate(clients)
            if (value := self.request.GET.get(column.param, "")) in dict(column.choices):
                clients = clients.filter(**{column.annotation: value})
        return clients.order_by(SORTS.get(sort, Lower("name")), "pk")

    def get_template_names(self):
        # htmx search and paging swap just the results
        return [f"{self.template_name}#results"] if self.request.htmx else [self.template_name]

    def get_context_data(self, **kwargs):
        params = self.request.GET.copy()
        params.pop("page", None)
        columns = [
            {
                "column": column,
                "chosen": chosen
                if (chosen := self.request.GET.get(column.param, "")) in dict(column.choices)
                else "",
            }
            for column in client_list_columns()
        ]
        return super().get_context_data(
            q=self.request.GET.get("q", ""),
            archived=self.request.GET.get("archived") == "1",
            sort=self.request.GET.get("sort", "name"),
            querystring=params.urlencode(),
            columns=columns,
            filtered=any(item["chosen"] for item in columns),
            **kwargs,
        )


class ClientDetailView(StaffRequiredMixin, DetailView):
    model = Client
    template_name = "clients/client_detail.html"

    def get_context_data(self, **kwargs):
        show_archived = self.request.GET.get("archived") == "1"
        contacts = self.object.contacts.all()
        sites = self.object.sites.all()
        if not show_archived:
            contacts, sites = (
                contacts.filter(archived_at__isnull=True),
                sites.filter(archived_at__isnull=True),
            )
        return super().get_context_data(
            contacts=contacts,
            sites=sites,
            show_archived=show_archived,
            panels=render_client_panels(self.request, self.object),
            **kwargs,
        )


class ServiceFormMixin:
    """Model forms whose save goes through a service function (the one place for writes)."""

    permission = "clients.manage"
    success_message = "Saved."

    def save(self, form):
        raise NotImplementedError

    def get_context_data(self, **kwargs):
        return super().get_context_data(noun=self.model._meta.verbose_name, **kwargs)

    def form_valid(self, form):
        try:
            self.object = self.save(form)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, self.success_message.format(obj=self.object))
        return HttpResponseRedirect(self.get_success_url())


class ClientCreateView(ServiceFormMixin, StaffRequiredMixin, CreateView):
    model = Client
    form_class = ClientForm
    template_name = "clients/form.html"
    success_message = "Client {obj} added."

    def save(self, form):
        return services.create_client(**form.cleaned_data)

    def get_success_url(self):
        return reverse("clients:detail", args=[self.object.pk])


class ClientUpdateView(ServiceFormMixin, StaffRequiredMixin, UpdateView):
    model = Client
    form_class = ClientForm
    template_name = "clients/form.html"
    success_message = "Client {obj} saved."

    def save(self, form):
        return services.update_client(self.get_object(), **form.cleaned_data)

    def get_success_url(self):
        return reverse("clients:detail", args=[self.object.pk])


class ArchiveView(StaffRequiredMixin, SingleObjectMixin, BaseFormView):
    """POST action=archive|restore. Archiving is undone by restoring, never by re-creating."""

    permission = "clients.manage"
    http_method_names = ["post"]

    def archive(self, obj, archived: bool):
        services.set_archived(obj, archived)

    def post(self, request, *args, **kwargs):
        obj = self.get_object()
        archived = request.POST.get("action", "archive") != "restore"
        try:
            self.archive(obj, archived)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"{obj} {'archived' if archived else 'restored'}.")
        return HttpResponseRedirect(self.redirect_url(obj))

    def redirect_url(self, obj):
        return reverse("clients:detail", args=[obj.client_id])


class ClientArchiveView(ArchiveView):
    model = Client

    def archive(self, obj, archived: bool):
        (services.archive_client if archived else services.restore_client)(obj)

    def redirect_url(self, obj):
        return reverse("clients:detail", args=[obj.pk])


class ChildCreateView(ServiceFormMixin, StaffRequiredMixin, CreateView):
    """Create a contact or site under the client in the URL (looked up in the tenant's scope)."""

    template_name = "clients/form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.membership:
            self.client_obj = get_object_or_404(Client, pk=kwargs["client_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.client_obj, **kwargs)

    def get_success_url(self):
        return reverse("clients:detail", args=[self.client_obj.pk])


class ChildUpdateView(ServiceFormMixin, StaffRequiredMixin, UpdateView):
    template_name = "clients/form.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(parent=self.object.client, **kwargs)

    def get_success_url(self):
        return reverse("clients:detail", args=[self.object.client_id])


class ContactCreateView(ChildCreateView):
    model = Contact
    form_class = ContactForm
    success_message = "Contact {obj} added."

    def save(self, form):
        return services.create_contact(client=self.client_obj, **form.cleaned_data)


class ContactUpdateView(ChildUpdateView):
    model = Contact
    form_class = ContactForm
    success_message = "Contact {obj} saved."

    def save(self, form):
        return services.update_contact(self.get_object(), **form.cleaned_data)


class ContactArchiveView(ArchiveView):
    model = Contact


class SiteCreateView(ChildCreateView):
    model = Site
    form_class = SiteForm
    success_message = "Site {obj} added."

    def get_initial(self):
        return {"timezone": self.request.tenant.timezone, "country": self.request.tenant.country}

    def save(self, form):
        return services.create_site(client=self.client_obj, **form.cleaned_data)


class SiteUpdateView(ChildUpdateView):
    model = Site
    form_class = SiteForm
    success_message = "Site {obj} saved."

    def save(self, form):
        return services.update_site(self.get_object(), **form.cleaned_data)


class SiteArchiveView(ArchiveView):
    model = Site
