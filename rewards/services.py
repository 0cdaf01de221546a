"""Writing the rewards ledger: granting, delivering and withdrawing rewards.

Every program grants through ``grant_reward``; it is the one place that makes a grant idempotent, puts
credit on the billing ledger and records ``reward.granted``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.services import grant_credit
from events.services import record_event
from rewards.models import Program, Reward, RewardKind, RewardStatus
from tenants.localtime import tenant_today

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Grant:
    reward: Reward
    created: bool  # False: this occasion was rewarded before (or by a run beside this one)


def grant_reward(
    client,
    *,
    program: str,
    key: str,
    kind: str,
    title: str,
    reason: str,
    actor: str,
    value: Decimal = Decimal("0"),
    percent: Decimal | None = None,
    on: date | None = None,
    period: tuple[date, date] | None = None,
    details: dict | None = None,
) -> Grant:
    """Give ``client`` the reward of one occasion of a program, once.

    Idempotent on (client, program, key): a second call, or one racing this one in another transaction,
    finds the first grant and changes nothing (``Grant.created`` is False). A ``credit`` reward puts
    ``value`` on the client's account-credit ledger, which their next invoices spend; a ``gift`` starts
    as a staff task (``to_deliver``). Records ``reward.granted`` in the same transaction.
    """
    if program not in Program.values:
        raise ValidationError({"program": f"Unknown rewards program {program!r}."})
    if kind not in RewardKind.values:
        raise ValidationError({"kind": f"Unknown kind of reward {kind!r}."})
    value = Decimal(value).quantize(CENT)
    if value < 0:
        raise ValidationError({"value": "A reward's value cannot be negative."})
    if kind == RewardKind.CREDIT and value <= 0:
        raise ValidationError({"value": "A credit reward needs an amount above zero."})
    on = on or tenant_today()
    existing = Reward.objects.filter(client=client, program=program, key=key).first()
    if existing is not None:
        return Grant(existing, created=False)
    try:
        with transaction.atomic():  # a savepoint: losing the race rolls back only this insert
            reward = Reward.objects.create(
                tenant_id=client.tenant_id,
                client=client,
                program=program,
                key=key,
                kind=kind,
                status=RewardStatus.TO_DELIVER if kind == RewardKind.GIFT else RewardStatus.GRANTED,
                title=title[:200],
                reason=reason[:400],
                value=value,
                percent=percent,
                granted_on=on,
                period_start=period[0] if period else None,
                period_end=period[1] if period else None,
                details=details or {},
                actor=actor,
            )
            if kind == RewardKind.CREDIT:
                reward.credit_entry = grant_credit(
                    client,
                    value,
                    reason=f"{Program(program).label}: {title}",
                    source="rewards",
                    actor=actor,
                    on=on,
                )
                reward.save(update_fields=["credit_entry"])
            record_event(
                "reward.granted",
                reward_id=reward.pk,
                client_id=client.pk,
                program=program,
                kind=kind,
                value=str(value),
                title=reward.title,
            )
    except IntegrityError:
        existing = Reward.objects.filter(client=client, program=program, key=key).first()
        if existing is None:
            raise
        return Grant(existing, created=False)
    return Grant(reward, created=True)


@transaction.atomic
def mark_delivered(reward: Reward, *, by) -> Reward:
    """A gift was handed over: the staff task is done. Idempotent."""
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if reward.status == RewardStatus.DELIVERED:
        return reward
    if reward.status != RewardStatus.TO_DELIVER:
        raise ValidationError("Only a gift waiting to be delivered can be marked delivered.")
    reward.status = RewardStatus.DELIVERED
    reward.delivered_at = timezone.now()
    reward.delivered_by = by
    reward.save(update_fields=["status", "delivered_at", "delivered_by"])
    return reward


@transaction.atomic
def withdraw_reward(reward: Reward, *, actor: str, reason: str) -> Reward:
    """End a reward that has not turned into money: a labour discount replaced by another tier, a gift
    that will not be delivered. Credit already on the ledger cannot be withdrawn (the client may have
    spent it); a credit note or a staff adjustment is the way back for that."""
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if reward.status == RewardStatus.WITHDRAWN:
        return reward
    if reward.kind == RewardKind.CREDIT:
        raise ValidationError("Credit on the client's account cannot be withdrawn from the rewards ledger.")
    if reward.status == RewardStatus.DELIVERED:
        raise ValidationError("A gift already delivered cannot be withdrawn.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the reward is withdrawn."})
    reward.status = RewardStatus.WITHDRAWN
    reward.withdrawn_at = timezone.now()
    reward.details = {**reward.details, "withdrawn_by": actor, "withdrawn_because": reason[:300]}
    reward.save(update_fields=["status", "withdrawn_at", "details"])
    return reward


MANUAL_KINDS = (RewardKind.CREDIT, RewardKind.GIFT, RewardKind.RECOGNITION)


def grant_by_hand(
    client,
    *,
    program: str,
    kind: str,
    title: str,
    reason: str,
    actor: str,
    value: Decimal = Decimal("0"),
    on: date | None = None,
) -> Reward:
    """Staff give ``client`` a reward outside a program's run (a goodwill credit, a gift, a mention),
    filed under ``program``. Each call is a new occasion (key ``manual-<uuid>``), so it is not idempotent
    by itself: the API's ``Idempotency-Key`` and the page's redirect after POST keep a retry from granting
    twice. Goes through ``grant_reward`` (credit on the ledger, ``reward.granted``)."""
    title, reason = (title or "").strip(), (reason or "").strip()
    errors = {}
    if kind not in MANUAL_KINDS:
        errors["kind"] = "By hand, a reward is account credit, a gift or a recognition."
    if not title:
        errors["title"] = "Say what the client gets."
    if not reason:
        errors["reason"] = "Say why the client gets it."
    if errors:
        raise ValidationError(errors)
    return grant_reward(
        client,
        program=program,
        key=f"manual-{uuid.uuid4()}",
        kind=kind,
        title=title,
        reason=reason,
        actor=actor,
        value=value,
        on=on,
        details={"by_hand": True},
    ).reward
