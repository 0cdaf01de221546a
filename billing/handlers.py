"""What billing does when the event bus hands it an event (imported by BillingConfig.ready)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.actors import SYSTEM
from billing.subscriptions import change_subscription
from contracts.agreements import record_history
from contracts.models import Agreement
from events.bus import subscribe
from memberships import services as memberships
from memberships.models import OfferKind, PlanOffer
from memberships.selectors import current_subscription
from tenants.localtime import tenant_today


@subscribe("billing.plan_offers", "agreement.signed")
def apply_signed_offer(event, *, now):
    """A signed supplement (or a new contract for a client who already has a membership) that offers a
    plan changes the membership, with its proration; nothing to do for any other signature."""
    with transaction.atomic():
        offer = (
            PlanOffer.objects.select_for_update()
            .filter(
                agreement_id=event.payload["agreement_id"], kind=OfferKind.CHANGE, applied_at__isnull=True
            )
            .first()
        )
        if offer is None:
            return
        agreement = Agreement.objects.select_related("client").get(pk=offer.agreement_id)
        subscription = current_subscription(agreement.client)
        on = tenant_today()
        actor = offer.requested_by or f"signature on agreement #{agreement.pk}"
        if subscription is None:
            parent = agreement.parent or agreement
            memberships.start_subscription(
                client=agreement.client, agreement=parent, holding=memberships.offer_holding(offer),
                started_on=on, actor=actor,
            )  # fmt: skip
        else:
            # What the offer says, checked against what the client holds (a plan no longer sold that it
            # already has stays; the change decides prices), not as if it were a new membership.
            riders = [item.rider for item in offer.riders.select_related("rider")]
            try:
                change_subscription(
                    subscription, tier=offer.plan, riders=riders, cycle=offer.billing_cycle,
                    tier_price=offer.plan_price, actor=actor, on=on, agreement=agreement, signed=True,
                )  # fmt: skip
            except ValidationError as error:
                why = " ".join(error.messages)
                if "nothing to change" not in why:
                    # Retrying cannot help (the membership ended, a plan is no longer sold on the cycle):
                    # the agreement's history says so and the offer stays unapplied for staff to act on.
                    record_history(agreement, "membership_change_not_applied", actor=SYSTEM, reason=why)
                    return
        offer.applied_at = timezone.now()
        offer.save(update_fields=["applied_at"])
