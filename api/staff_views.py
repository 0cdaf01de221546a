from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.generic import ListView
from django.views.generic.detail import SingleObjectMixin
from django.views.generic.edit import BaseFormView, FormView

from accounts.reauth import RecentAuthenticationRequiredMixin
from api.keys import create_api_key, revoke_api_key
from api.models import ApiKey, Scope
from tenants.forms import StyledFormMixin
from tenants.views import StaffRequiredMixin


class ApiKeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(max_length=100, help_text="Who or what will use it, e.g. 'RMM integration'.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.READ],
        help_text="Read lets it list and fetch; write lets it create, change and archive.",
    )


class ApiKeyListView(StaffRequiredMixin, ListView):
    permission = "api_keys.manage"
    model = ApiKey
    template_name = "api/apikey_list.html"

    def get_queryset(self):
        return ApiKey.objects.select_related("created_by")


class ApiKeyCreateView(StaffRequiredMixin, RecentAuthenticationRequiredMixin, FormView):
    permission = "api_keys.manage"
    form_class = ApiKeyForm
    template_name = "api/apikey_form.html"

    def form_valid(self, form):
        key, clear_key = create_api_key(
            name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], created_by=self.request.user
        )
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
