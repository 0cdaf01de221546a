import zoneinfo
from datetime import datetime, time

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import BaseFormView, FormView

from accounts.reauth import RecentAuthenticationRequiredMixin
from api.keys import active_staff_ids, create_api_key, key_status, reassign_api_key, revoke_api_key
from api.models import ApiKey, KeyKind
from api.scopes import ACCESSES, RESOURCES, all_scopes, scope_name
from tenants.forms import StyledFormMixin
from tenants.scope import current_tenant
from tenants.views import StaffRequiredMixin


def staff_choices():
    """Active staff members of the current tenant, for an owner picker."""
    return get_user_model().objects.filter(pk__in=active_staff_ids()).order_by("email")


class ApiKeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="Who or what will use it, e.g. 'RMM integration'.")
    kind = forms.ChoiceField(
        choices=KeyKind.choices,
        initial=KeyKind.SERVICE,
        required=False,  # a service key unless said otherwise
        widget=forms.RadioSelect,
        label="Type",
        help_text="A personal key is yours alone. A service key is for an integration, with an owner "
        "responsible for it who can be changed later.",
    )
    owner = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,  # you, unless you pick someone
        help_text="Who is responsible for a service key (a personal key is always yours). "
        "A key stops working when its owner leaves the team.",
    )
    expires_on = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The last day it works (through the end of that day). Empty: it does not expire.",
    )
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope) for scope in all_scopes()],
        widget=forms.CheckboxSelectMultiple,
        initial=["read"],
        help_text="Read lets it list and fetch; write lets it create, change and archive (and does not "
        "include read). Give only what it needs.",
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices()
        self.fields["owner"].initial = user
        self.user = user

    def clean_expires_on(self):
        day = self.cleaned_data.get("expires_on")
        if day is not None and day < timezone.localdate(timezone=_tenant_zone()):
            raise forms.ValidationError("Pick today or a later day.")
        return day

    def clean_kind(self):
        return self.cleaned_data.get("kind") or KeyKind.SERVICE

    def key_owner(self):
        data = self.cleaned_data
        return self.user if data["kind"] == KeyKind.PERSONAL else data.get("owner") or self.user

    def expires_at(self):
        day = self.cleaned_data.get("expires_on")
        return datetime.combine(day, time.max, tzinfo=_tenant_zone()) if day else None

    def scope_rows(self):
        """The scopes as a grid for the template: (label, [(access, bound checkbox)...]) per row."""
        by_value = {choice.data["value"]: choice for choice in self["scopes"]}
        rows = [("Every resource", [(access, by_value[access]) for access in ACCESSES], True)]
        for resource, (_, label) in RESOURCES.items():
            rows.append(
                (label, [(access, by_value[scope_name(resource, access)]) for access in ACCESSES], None)
            )
        return rows


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=get_user_model().objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff_choices()


def _tenant_zone():
    return zoneinfo.ZoneInfo(current_tenant().timezone)


class ApiKeyListView(StaffRequiredMixin, ListView):
    permission = "api_keys.manage"
    model = ApiKey
    template_name = "api/apikey_list.html"

    def get_queryset(self):
        return ApiKey.objects.select_related("created_by", "owner")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        on_staff, now = active_staff_ids(), timezone.now()
        for key in context["object_list"]:
            key.status = key_status(key, on_staff, now)
        context["staff"] = staff_choices()
        return context


class ApiKeyCreateView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, FormView):
    permission = "api_keys.manage"
    form_class = ApiKeyForm
    template_name = "api/apikey_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            key, clear_key = create_api_key(
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                kind=form.cleaned_data["kind"],
                owner=form.key_owner(),
                expires_at=form.expires_at(),
                created_by=self.request.user,
            )
        except ValueError as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        # Rendered, not redirected: the clear key exists only in this response.
        response = render(self.request, "api/apikey_created.html", {"key": key, "clear_key": clear_key})
        add_never_cache_headers(response)
        return response


class ApiKeyRevokeView(
    StaffRequiredMixin, RecentAuthenticationRequiredMixin, SingleObjectMixin, BaseFormView
):
    permission = "api_keys.manage"
    model = ApiKey
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        key = revoke_api_key(self.get_object())
        messages.success(request, f"API key “{key.name}” revoked. Requests with it now get 401.")
        return HttpResponseRedirect(reverse("api_keys:list"))


class ApiKeyReassignView(
    StaffRequiredMixin, RecentAuthenticationRequiredMixin, SingleObjectMixin, BaseFormView
):
    permission = "api_keys.manage"
    model = ApiKey
    form_class = ReassignForm
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        key = self.get_object()
        form = self.get_form()
        if not form.is_valid():
            messages.error(request, "Pick a member of the staff as the key's new owner.")
        else:
            try:
                reassign_api_key(key, form.cleaned_data["owner"])
            except ValueError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, f"API key “{key.name}” now belongs to {key.owner}.")
        return HttpResponseRedirect(reverse("api_keys:list"))
