"""Sign-ins and failed sign-ins, from Django's auth signals (accounts sits below the audit app)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit import services


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def on_sign_in(sender, request, user, **kwargs):
    if request is not None:
        services.record_sign_in(request, user)


@receiver(user_login_failed, dispatch_uid="audit_failed_sign_in")
def on_failed_sign_in(sender, credentials, request=None, **kwargs):
    services.record_failed_sign_in(request, credentials.get("username") or credentials.get("email") or "")
