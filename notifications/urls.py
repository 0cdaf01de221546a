from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="list"),
    path("count/", views.UnreadCountView.as_view(), name="count"),
    path("badge/", views.BadgeView.as_view(), name="badge"),
    path("menu/", views.MenuView.as_view(), name="menu"),
    path("read-all/", views.MarkAllReadView.as_view(), name="read_all"),
    path("<int:pk>/read/", views.MarkReadView.as_view(), name="read"),
]
