from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data (``seed_demo``). It sits above every app it seeds, so each app keeps its own demo
    module and this one only orchestrates them, including what needs several apps at once."""

    name = "demo"
    verbose_name = "Demo data"
