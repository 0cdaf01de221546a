"""Reading a person's notifications (in the current tenant)."""

from django.db.models import QuerySet

from notifications.models import Notification


def inbox(user, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user).select_related("ticket")
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def latest(user, *, limit: int = 6) -> list[Notification]:
    return list(inbox(user)[:limit])
