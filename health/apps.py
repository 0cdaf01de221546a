from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "health"
    verbose_name = "Health checks"

    def ready(self):
        from celery.signals import before_task_publish

        from health import heartbeats

        # Only beat schedules the heartbeat: its publication is beat's tick (health/heartbeats.py).
        before_task_publish.connect(heartbeats.on_task_published, weak=False)
