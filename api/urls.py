from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from api import errors
from api.docs import ApiDocsView
from clients.api import ClientViewSet, ContactViewSet, SiteViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False
router.register("clients", ClientViewSet, basename="client")
router.register("contacts", ContactViewSet, basename="contact")
router.register("sites", SiteViewSet, basename="site")

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
    re_path(r"", errors.no_route),  # last: JSON 404 for the rest, and no APPEND_SLASH redirect
]
