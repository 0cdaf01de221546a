app_name = "service_levels"

urlpatterns: list = []
