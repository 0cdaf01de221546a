from django.urls import path

from rewards import views_spotlight

app_name = "spotlight"

urlpatterns = [path("<str:token>/", views_spotlight.public_page, name="public")]
