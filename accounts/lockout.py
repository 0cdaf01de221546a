"""Sign-in lockout: django-axes decides *when* to check, this module *what* is counted, in Redis.

Two counts, each over a sliding cool-off window (every failure restarts the window, as axes' own cache
handler does):

- per account (the email, lower-cased): the ``AXES_FAILURE_LIMIT``-th wrong password or wrong sign-in
  code in a row locks the account for ``AXES_COOLOFF_TIME``; a successful sign-in forgets the count;
- per address (``accounts.origin.client_ip``, which honours ``TRUSTED_PROXY_HOPS``):
  ``ACCORD_SIGN_IN_IP_FAILURE_LIMIT`` failures across any accounts lock the address.

Axes' stock handlers count one limit for all parameters; an office behind one address needs a higher
limit than an account, hence this handler (``AXES_HANDLER``). It keeps nothing in the database: the
cache handler is the one the issue asks for ("backed by Redis"), needs no table under row-level
security, and a lock simply expires with its key. A lock is stored with the moment it ends, so the
sign-in page and the team page can say "locked until 15:47" and the end never moves while locked
(``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``).

``account_locked`` and ``account_unlocked`` are sent for the audit log (which sits above this app).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from axes.handlers.base import AbstractAxesHandler, AxesBaseHandler
from axes.helpers import get_client_ip_address, get_client_username, get_cool_off, get_failure_limit
from axes.signals import user_locked_out
from django.conf import settings
from django.core.cache import cache
from django.dispatch import Signal
from django.shortcuts import render

from accounts.origin import client_ip

ACCOUNT = "account"
ADDRESS = "address"

account_locked = Signal()  # sender=None, request, email, ip, until (datetime)
account_unlocked = Signal()  # sender=None, request, email (an owner lifted the lock)


@dataclass(frozen=True)
class Lock:
    kind: str  # ACCOUNT or ADDRESS
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int(self.until.timestamp() - time.time()) // 60))


def email_of_attempt(request, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: staff sign in by email, in any case, so one account is one count."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = (credentials or {}).get(field)
    if value is None and request is not None:
        value = request.POST.get(field)
    return (value or "").strip().lower()


def client_ip_of(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the address the audit log records, behind TRUSTED_PROXY_HOPS proxies."""
    return client_ip(request)


def cool_off_seconds() -> int:
    return int(get_cool_off().total_seconds())


def ip_failure_limit() -> int:
    return int(getattr(settings, "ACCORD_SIGN_IN_IP_FAILURE_LIMIT", 30))


def current_lock(*, email: str | None = None, ip: str | None = None) -> Lock | None:
    """The lock in force on this account or this address (the account's first), or ``None``."""
    for kind, subject in ((ACCOUNT, (email or "").lower()), (ADDRESS, ip or "")):
        if subject:
            until = cache.get(_key("lock", kind, subject))
            if until is not None and until > time.time():
                return Lock(kind=kind, until=datetime.fromtimestamp(until, tz=UTC))
    return None


def locked_until(email: str) -> datetime | None:
    """When the account's lock ends, or ``None`` when it can sign in."""
    lock = current_lock(email=email)
    return lock.until if lock else None


def unlock_account(email: str, *, request=None) -> bool:
    """Lift the account's lock and forget its failures (an owner's unlock). True when it was locked."""
    email = email.lower()
    was_locked = current_lock(email=email) is not None
    cache.delete_many([_key("lock", ACCOUNT, email), _key("failures", ACCOUNT, email)])
    if was_locked:
        account_unlocked.send(sender=None, request=request, email=email)
    return was_locked


def unlock_address(ip: str) -> None:
    cache.delete_many([_key("lock", ADDRESS, ip), _key("failures", ADDRESS, ip)])


def record_failure(request, email: str, ip: str | None) -> Lock | None:
    """Count one failed sign-in (password or code); the lock it starts, if it starts one."""
    window = cool_off_seconds()
    started = None
    for kind, subject, limit in (
        (ACCOUNT, email, get_failure_limit(request, {})),
        (ADDRESS, ip, ip_failure_limit()),
    ):
        if not subject:
            continue
        failures_key = _key("failures", kind, subject)
        if cache.add(failures_key, 1, timeout=window):
            failures = 1
        else:
            try:
                failures = cache.incr(failures_key)
            except ValueError:  # expired between add() and incr()
                cache.add(failures_key, 1, timeout=window)
                failures = 1
            cache.touch(failures_key, timeout=window)
        if failures >= limit:
            until = time.time() + window
            if cache.add(_key("lock", kind, subject), until, timeout=window):
                lock = Lock(kind=kind, until=datetime.fromtimestamp(until, tz=UTC))
                started = started or lock
                if kind == ACCOUNT:
                    account_locked.send(sender=None, request=request, email=email, ip=ip, until=lock.until)
    return started


class SignInLockoutHandler(AbstractAxesHandler, AxesBaseHandler):
    """AXES_HANDLER: the two counts above, in the cache."""

    def is_locked(self, request, credentials: dict | None = None) -> bool:
        email = get_client_username(request, credentials)
        return current_lock(email=email, ip=get_client_ip_address(request)) is not None

    def get_failures(self, request, credentials: dict | None = None) -> int:
        email = get_client_username(request, credentials)
        return int(cache.get(_key("failures", ACCOUNT, email), 0)) if email else 0

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is None:
            return
        request.axes_credentials = credentials
        if getattr(request, "axes_locked_out", False):
            return  # refused while locked: nothing more is counted and the lock ends when it said
        email = get_client_username(request, credentials)
        ip = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
        if self.is_whitelisted(request, credentials):
            return
        if record_failure(request, email, ip) is not None:
            request.axes_locked_out = True
            user_locked_out.send("axes", request=request, username=email, ip_address=ip)

    def user_logged_in(self, sender, request, user, **kwargs):
        if request is not None and settings.AXES_RESET_ON_SUCCESS:
            cache.delete(_key("failures", ACCOUNT, user.get_username().lower()))

    def user_logged_out(self, sender, request, user, **kwargs):
        pass

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        if username:
            unlock_account(username)
        if ip_address:
            unlock_address(ip_address)
        return int(bool(username)) + int(bool(ip_address))


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page the person was on (sign-in, code or confirmation), saying until
    when it is locked and what to do, with 429 Too Many Requests."""
    email = get_client_username(request, credentials)
    lock = current_lock(email=email, ip=get_client_ip_address(request))
    response = render(request, "accounts/locked.html", {"lock": lock}, status=429)
    if lock is not None:
        response["Retry-After"] = str(max(1, int(lock.until.timestamp() - time.time())))
    return response


def _key(what: str, kind: str, subject: str) -> str:
    digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"signin:{what}:{kind}:{digest}"
