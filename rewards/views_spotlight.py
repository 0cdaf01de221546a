"""The public spotlight page of a customer of the month: no login, found by its share token only while
the client has it published (a 404 otherwise, the same for a token that never existed)."""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from rewards.customer_of_the_month import public_spotlight


@require_http_methods(["GET", "HEAD"])
def public_page(request, token):
    page = public_spotlight(token)
    if page is None:
        raise Http404("No published spotlight here.")
    return render(request, "rewards/spotlight_public.html", {"page": page})
