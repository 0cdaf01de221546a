"""The best-practices program: compliance scores and tiers (reads), the runner that puts a client's tier
discount in force, and the client's section on the rewards pages.

The score of a client on a day:

- the checklist is the tenant's active practices (archived ones count for nobody);
- each practice's standing is its latest check on or before the day (latest ``checked_on``, then latest
  recorded). A check that has expired by that day (``expires_on`` <= day), or no check at all, leaves the
  practice *unverified*: it counts as applicable and not met, because the program rewards what someone
  verified, and a check set to be re-verified after 12 months says so;
- score = weight of practices met / weight of applicable practices (all but "not applicable"), as a
  percentage; None when nothing is applicable (no tier);
- the tier is the highest one whose threshold the score reaches.

The runner (``grant_best_practice_tiers``) evaluates each client on every day its score can have changed
since the last run (a check recorded, a check expiring) and on ``on``. When the tier differs from the one
in force it grants a ``labour_discount`` reward through ``grant_reward`` keyed ``tier-<tier id>-<day>``
(so re-running finds it, and dropping then re-reaching a tier on another day is a new grant), withdraws
the previous tier's reward and sets the client's project-labour discount in billing from that day
(percent 0 when the client falls below every tier). The reward's value is 0: what the discount costs
shows on the invoices as lower labour lines, and guessing next year's project hours would only be noise.
A client's first evaluation looks at ``on`` only: turning the program on does not discount work already
done. A run serialises on the client's ``ComplianceStanding`` row, so two runs at once grant once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from django.db import transaction

from accounts.actors import actor_label
from billing.services import set_labour_discount
from clients.models import Client
from contracts.coverage import WorkType
from contracts.documents import plain_number
from rewards.models import (
    CheckResult,
    ComplianceStanding,
    ComplianceTier,
    Practice,
    PracticeCheck,
    Program,
    Reward,
    RewardKind,
)
from rewards.services import grant_reward, withdraw_reward

DISCOUNT_SOURCE = "best_practices"
RUN_ACTOR = actor_label(system="best-practices run")
HUNDRED = Decimal("100")


# --- The score ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeStanding:
    practice: Practice
    check: PracticeCheck | None  # the latest check on or before the day, expired or not
    status: str  # a CheckResult value, or "unverified" (no check, or it expired)

    @property
    def met(self) -> bool:
        return self.status == CheckResult.MET

    @property
    def applicable(self) -> bool:
        return self.status != CheckResult.NOT_APPLICABLE

    @property
    def expired(self) -> bool:
        return self.check is not None and self.status == UNVERIFIED


UNVERIFIED = "unverified"


@dataclass(frozen=True)
class Step:
    """A practice not met, and how many points of score meeting it would add."""

    practice: Practice
    points: Decimal
    standing: PracticeStanding


@dataclass
class Compliance:
    day: date
    practices: list[PracticeStanding]
    tiers: list[ComplianceTier]  # lowest threshold first
    met_weight: int = 0
    applicable_weight: int = 0
    steps: list[Step] = field(default_factory=list)

    def __post_init__(self):
        self.met_weight = sum(each.practice.weight for each in self.practices if each.met)
        self.applicable_weight = sum(each.practice.weight for each in self.practices if each.applicable)
        if self.applicable_weight:
            self.steps = sorted(
                (
                    Step(each.practice, points_of(each.practice.weight, self.applicable_weight), each)
                    for each in self.practices
                    if each.applicable and not each.met
                ),
                key=lambda step: (-step.practice.weight, step.practice.position, step.practice.pk),
            )

    @property
    def score(self) -> Decimal | None:
        """Exact percentage (compare with this); ``shown_score`` is what people read."""
        if not self.applicable_weight:
            return None
        return Decimal(self.met_weight) * HUNDRED / Decimal(self.applicable_weight)

    @property
    def shown_score(self) -> Decimal | None:
        # Rounded down so a score shown as 75.0 has truly reached a 75% tier.
        return None if self.score is None else self.score.quantize(Decimal("0.1"), rounding=ROUND_DOWN)

    @property
    def tier(self) -> ComplianceTier | None:
        score = self.score
        if score is None:
            return None
        reached = [tier for tier in self.tiers if score >= tier.threshold_percent]
        return reached[-1] if reached else None

    @property
    def next_tier(self) -> ComplianceTier | None:
        score = self.score if self.score is not None else Decimal("-1")
        return next((tier for tier in self.tiers if score < tier.threshold_percent), None)

    @property
    def points_to_next_tier(self) -> Decimal | None:
        if self.next_tier is None or self.score is None:
            return None
        return (self.next_tier.threshold_percent - self.score).quantize(Decimal("0.1"))

    @property
    def met(self) -> list[PracticeStanding]:
        return [each for each in self.practices if each.met]


def points_of(weight: int, applicable_weight: int) -> Decimal:
    return (Decimal(weight) * HUNDRED / Decimal(applicable_weight)).quantize(Decimal("0.1"))


def standing_of(practice: Practice, checks: list[PracticeCheck], day: date) -> PracticeStanding:
    """``checks``: the client's checks of this practice, latest first."""
    latest = next((check for check in checks if check.checked_on <= day), None)
    if latest is None or not latest.counts_on(day):
        return PracticeStanding(practice, latest, UNVERIFIED)
    return PracticeStanding(practice, latest, latest.result)


def compliance_from(practices, checks_by_practice: dict, tiers, day: date) -> Compliance:
    return Compliance(
        day=day,
        practices=[
            standing_of(practice, checks_by_practice.get(practice.pk, []), day) for practice in practices
        ],
        tiers=list(tiers),
    )


def checklist() -> list[Practice]:
    return list(Practice.objects.filter(archived_at__isnull=True).order_by("position", "id"))


def tiers() -> list[ComplianceTier]:
    return list(ComplianceTier.objects.order_by("threshold_percent", "id"))


def _checks_by_practice(checks) -> dict[int, list[PracticeCheck]]:
    found = defaultdict(list)
    for check in checks:  # latest first
        found[check.practice_id].append(check)
    return found


def client_compliance(client: Client, *, on: date) -> Compliance:
    checks = PracticeCheck.objects.filter(client=client, checked_on__lte=on).select_related("checked_by")
    return compliance_from(
        checklist(), _checks_by_practice(checks.order_by("-checked_on", "-id")), tiers(), on
    )


def check_history(client: Client) -> dict[int, list[PracticeCheck]]:
    """Every check of the client per practice id, latest first."""
    checks = PracticeCheck.objects.filter(client=client).select_related("checked_by", "practice")
    return _checks_by_practice(checks.order_by("-checked_on", "-id"))


def tenant_compliance(*, on: date) -> list[tuple[Client, Compliance]]:
    """Every active client's compliance on ``on``, best score first (unchecked clients last)."""
    practices, all_tiers = checklist(), tiers()
    per_client: dict[int, list[PracticeCheck]] = defaultdict(list)
    latest = (
        PracticeCheck.objects.filter(checked_on__lte=on)
        .order_by("client_id", "practice_id", "-checked_on", "-id")
        .distinct("client_id", "practice_id")
    )
    for check in latest:
        per_client[check.client_id].append(check)
    rows = []
    for client in Client.objects.filter(archived_at__isnull=True).order_by("name"):
        compliance = compliance_from(practices, _checks_by_practice(per_client[client.pk]), all_tiers, on)
        rows.append((client, compliance))
    rows.sort(key=lambda row: (row[1].score is None, -(row[1].score or 0), row[0].name.lower()))
    return rows


# --- The runner -----------------------------------------------------------------------------------------


def grant_best_practice_tiers(on: date) -> list[Reward]:
    """Put each client's compliance tier in force as of ``on`` (see the module docstring). Idempotent and
    race-safe; returns the rewards granted by this call."""
    all_tiers = tiers()
    practices = checklist()
    if not all_tiers or not practices:
        return []
    with_checks = set(PracticeCheck.objects.filter(checked_on__lte=on).values_list("client_id", flat=True))
    with_standing = set(ComplianceStanding.objects.values_list("client_id", flat=True))
    granted = []
    for client in Client.objects.filter(pk__in=with_checks | with_standing).order_by("pk"):
        granted += _evaluate(client, practices=practices, tiers=all_tiers, on=on)
    return granted


def _standing_for_update(client: Client, on: date) -> ComplianceStanding:
    with transaction.atomic():  # a savepoint: a run beside this one may insert it first
        standing, _ = ComplianceStanding.objects.get_or_create(
            client=client,
            defaults={"tenant_id": client.tenant_id, "evaluated_through": on - timedelta(days=1)},
        )
    return (
        ComplianceStanding.objects.select_for_update(of=("self",))
        .select_related("tier", "reward")
        .get(pk=standing.pk)
    )


def _evaluate(client: Client, *, practices, tiers, on: date) -> list[Reward]:
    standing = _standing_for_update(client, on)
    if standing.evaluated_through >= on:
        return []
    checks = list(
        PracticeCheck.objects.filter(client=client, checked_on__lte=on).order_by("-checked_on", "-id")
    )
    after = standing.evaluated_through
    days = {check.checked_on for check in checks if after < check.checked_on}
    days |= {check.expires_on for check in checks if check.expires_on and after < check.expires_on <= on}
    days.add(on)
    by_practice = _checks_by_practice(checks)
    granted = []
    for day in sorted(days):
        compliance = compliance_from(practices, by_practice, tiers, day)
        tier = compliance.tier
        held = standing.reward.percent if standing.reward else None
        if tier == standing.tier and (tier is None or held == tier.discount_percent):
            continue
        reward = _change_tier(client, standing, tier, compliance, day)
        if reward is not None:
            granted.append(reward)
    standing.evaluated_through = on
    standing.save(update_fields=["tier", "reward", "since", "evaluated_through"])
    return granted


def _change_tier(
    client, standing: ComplianceStanding, tier, compliance: Compliance, day: date
) -> Reward | None:
    created = None
    reward = None
    if tier is not None:
        score = plain_number(compliance.shown_score)
        grant = grant_reward(
            client,
            program=Program.BEST_PRACTICES,
            key=f"tier-{tier.pk}-{day.isoformat()}",
            kind=RewardKind.LABOUR_DISCOUNT,
            title=f"Best practices {tier.name}: {plain_number(tier.discount_percent)}% off project labour",
            reason=f"{score}% of the best-practices checklist met on {day:%-d %b %Y}",
            actor=RUN_ACTOR,
            percent=tier.discount_percent,
            on=day,
            details={"tier_id": tier.pk, "tier": tier.name, "score": str(compliance.shown_score)},
        )
        reward = grant.reward
        created = reward if grant.created else None
    if standing.reward is not None and standing.reward != reward:
        why = f"Replaced by best practices {tier.name}" if tier else "Compliance fell below every tier"
        withdraw_reward(standing.reward, actor=RUN_ACTOR, reason=f"{why} on {day:%-d %b %Y}")
    set_labour_discount(
        client,
        work_type=WorkType.PROJECT,
        percent=tier.discount_percent if tier else 0,
        on=day,
        reason=f"Best practices {tier.name}" if tier else "",
        source=DISCOUNT_SOURCE,
        actor=RUN_ACTOR,
    )
    standing.tier, standing.reward, standing.since = tier, reward, day
    return created


# --- The client's section -------------------------------------------------------------------------------


def best_practices_standing(client: Client, on: date) -> dict | None:
    """The client's tier, score, practices met and what would move them up; None when the tenant has no
    checklist."""
    compliance = client_compliance(client, on=on)
    if not compliance.practices:
        return None
    return {"compliance": compliance, "client": client}
