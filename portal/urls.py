"""Client portal pages. Every route takes a link's token, never an object id: the link says which
agreement and whose, so nothing in the URL can point a link at another object."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<str:token>/", views.open_link, name="open"),
    path("<str:token>/sign/", views.sign, name="sign"),
    path("<str:token>/decline/", views.decline, name="decline"),
    path("<str:token>/signed/", views.done, name="done"),
    path("<str:token>/signed.pdf", views.signed_pdf, name="pdf"),
    path("<str:token>/fresh-link/", views.fresh_link, name="fresh_link"),
]
