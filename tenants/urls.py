from django.urls import path

from tenants import views

app_name = "tenants"

# The home page ("", name "home") is the reports dashboard: config/urls.py adds it to this namespace.
urlpatterns = [
    path("switch-tenant/", views.SwitchTenantView.as_view(), name="switch"),
    path("company/", views.CompanySettingsView.as_view(), name="company"),
    path("company/logo/", views.BrandLogoView.as_view(), name="logo"),
    path("company/seal/", views.SigningIdentityView.as_view(), name="seal"),
    path("company/two-factor/", views.TwoFactorPolicyView.as_view(), name="two_factor_policy"),
    path("team/", views.TeamView.as_view(), name="team"),
    path("team/invite/", views.InviteStaffView.as_view(), name="invite"),
    path("team/<int:pk>/", views.StaffMemberActionView.as_view(), name="staff_member"),
]
