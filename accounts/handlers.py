"""A sign-in is a fresh authentication (sensitive actions need no confirmation for a few minutes) and
the first activity of the session (for the idle timeout)."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import LAST_SEEN_KEY
from accounts.reauth import mark_recently_authenticated


@receiver(user_logged_in, dispatch_uid="accounts_fresh_sign_in")
def on_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_recently_authenticated(request)
        request.session[LAST_SEEN_KEY] = int(time.time())
