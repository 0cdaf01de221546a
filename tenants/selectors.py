from datetime import date
from decimal import Decimal

from tenants.models import CostRate, StaffMembership, Tenant
from tenants.roles import PERMISSIONS, Role
from tenants.scope import cross_tenant

ZERO_RATE = Decimal("0.00")
OLDEST_FIRST = ("effective_from", "set_at", "id")
NEWEST_FIRST = ("-effective_from", "-set_at", "-id")


def memberships_for_user(user) -> list[StaffMembership]:
    """Every active tenant a staff user belongs to, by tenant name (for sign-in and the switcher)."""
    if not user.is_authenticated:
        return []
    with cross_tenant("list the tenants a signed-in user belongs to"):
        return list(
            StaffMembership.objects.filter(user=user, is_active=True, tenant__is_active=True)
            .select_related("tenant")
            .order_by("tenant__name")
        )


def active_membership(memberships: list[StaffMembership], tenant_id: int | None) -> StaffMembership | None:
    """The membership the session works in: the one it chose, else the first."""
    for membership in memberships:
        if membership.tenant_id == tenant_id:
            return membership
    return memberships[0] if memberships else None


def tenant_by_slug(slug: str) -> Tenant:
    return Tenant.objects.get(slug=slug)


# --- Cost rates -------------------------------------------------------------------------------------
# The rule (one place): the rate in force on a day is the latest CostRate effective on or before it, the
# one set last winning a tie; before a person's first rate, that first rate applies; without any, zero.


def _in_force(rates: list[CostRate], on: date) -> Decimal:
    """``rates`` ordered oldest first (effective_from, set_at, id)."""
    if not rates:
        return ZERO_RATE
    chosen = rates[0]
    for rate in rates:
        if rate.effective_from > on:
            break
        chosen = rate
    return chosen.rate


def cost_rate_on(membership: StaffMembership | None, on: date) -> Decimal:
    """What an hour of this staff member cost on ``on`` (zero for no membership or no rate yet)."""
    if membership is None:
        return ZERO_RATE
    return _in_force(list(CostRate.objects.filter(membership=membership).order_by(*OLDEST_FIRST)), on)


def cost_rates_on(memberships, on: date) -> dict[int, Decimal]:
    """{membership id: rate in force on ``on``} for many people in one query (the team page)."""
    ids = [m.pk for m in memberships]
    by_member: dict[int, list[CostRate]] = {pk: [] for pk in ids}
    for rate in CostRate.objects.filter(membership_id__in=ids).order_by(*OLDEST_FIRST):
        by_member[rate.membership_id].append(rate)
    return {pk: _in_force(rates, on) for pk, rates in by_member.items()}


def cost_rate_history(memberships) -> dict[int, list[CostRate]]:
    """{membership id: its rate changes, newest effective date first} in one query, with who set them."""
    ids = [m.pk for m in memberships]
    history: dict[int, list[CostRate]] = {pk: [] for pk in ids}
    rates = CostRate.objects.filter(membership_id__in=ids).select_related("set_by")
    for rate in rates.order_by(*NEWEST_FIRST):
        history[rate.membership_id].append(rate)
    return history


def staff_who_can(permission: str) -> list[tuple[object, Role]]:
    """(user, role) of the current tenant's active staff whose role holds ``permission``, each person once
    (a person with two memberships counts as the higher role: roles in ``Role`` order, owners first)."""
    roles = sorted(PERMISSIONS[permission][1], key=list(Role).index)
    memberships = (
        StaffMembership.objects.filter(is_active=True, user__is_active=True, role__in=roles)
        .select_related("user")
        .order_by("user__email")
    )
    people: dict[int, tuple[object, Role]] = {}
    for membership in sorted(memberships, key=lambda m: roles.index(Role(m.role))):
        people.setdefault(membership.user_id, (membership.user, Role(membership.role)))
    return list(people.values())


def users_with_cost_rates(user_ids) -> set[int]:
    """Which of these staff users have a cost rate (any row: the first one also covers earlier days), so
    a page can tell "costs $0.00" from "no cost rate set"."""
    return set(
        CostRate.objects.filter(membership__user_id__in=list(user_ids)).values_list(
            "membership__user_id", flat=True
        )
    )
