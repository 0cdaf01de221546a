"""Sign-ins, failed sign-ins, lockouts, unlocks and two-step sign-in changes, from Django's auth signals
and the accounts app's own (accounts sits below the audit app)."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts.lockout import account_locked, account_unlocked
from accounts.two_factor import two_factor_changed
from audit import services


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def on_sign_in(sender, request, user, **kwargs):
    if request is not None:
        services.record_sign_in(request, user)


@receiver(user_login_failed, dispatch_uid="audit_failed_sign_in")
def on_failed_sign_in(sender, credentials, request=None, **kwargs):
    services.record_failed_sign_in(request, credentials.get("username") or credentials.get("email") or "")


@receiver(account_locked, dispatch_uid="audit_locked_out")
def on_locked_out(sender, request, email, until, **kwargs):
    services.record_lockout(request, email, until)


@receiver(account_unlocked, dispatch_uid="audit_unlocked")
def on_unlocked(sender, request, email, **kwargs):
    if request is not None:
        services.record_unlock(request, email)


@receiver(two_factor_changed, dispatch_uid="audit_two_factor")
def on_two_factor_changed(sender, request, user, enabled, **kwargs):
    services.record_two_factor_change(request, user, enabled=enabled)
