"""Demo best-practices program for ``seed_demo``: a checklist of eight practices, three tiers, and a year
of checks recorded by the tenant's staff, with evidence for the backup tests.

Clients follow one of a few stories, chosen in turn so every demo tenant has each: *climbers* start at
Bronze at their first audit eleven months ago and fix what was missing in one or two rounds (Silver,
then Gold); *steady* clients are Silver or Gold all year; a *slipping* client's backup test fails in the
summer and it drops from Gold to Bronze; *newcomers* were audited in the last two months; and some
clients have never been checked. The grants come from the program's runner
(``grant_best_practice_tiers``), which the demo runs on each monthly billing day. Deterministic for a
given ``rng`` and ``today``; a tenant that already has a checklist is left as it is. Recording a check
sends no event, so nothing needs settling as history.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.core.files.base import ContentFile

from clients.models import Client
from rewards.best_practice_services import record_check, save_practice, save_tier
from rewards.models import CheckResult, Practice
from tenants.models import StaffMembership, Tenant
from tenants.roles import Role

# (name, what it means / how it is verified, weight, re-verify after months, what staff note when missing)
CHECKLIST = (
    (
        "Backups verified",
        "A test restore succeeded in the last quarter, off-site copy included.",
        3,
        12,
        "No restore test on record; the NAS job has warnings.",
    ),
    (
        "MFA enforced",
        "Every admin and remote-access account needs a second factor.",
        3,
        12,
        "The router's admin login and two staff VPN accounts have no second factor.",
    ),
    (
        "Supported operating systems",
        "No endpoint runs an OS past its vendor's end of support.",
        2,
        12,
        "Two PCs still on an unsupported Windows version.",
    ),
    (
        "Firmware current",
        "Network gear, NVR and AV processors on current firmware.",
        2,
        6,
        "Switch and NVR firmware two releases behind.",
    ),
    (
        "UPS on racks",
        "Every rack and network cabinet is on a tested UPS.",
        2,
        None,
        "The network cabinet has no UPS.",
    ),
    (
        "Guest Wi-Fi isolated",
        "Guests are on their own network, kept away from devices and cameras.",
        1,
        None,
        "Guests share the main Wi-Fi.",
    ),
    (
        "Passwords in a manager",
        "Device and service passwords live in the shared vault, none on paper.",
        1,
        12,
        "Passwords kept in a spreadsheet.",
    ),
    (
        "Documentation current",
        "Network map and device list updated within the year.",
        1,
        12,
        "Network map out of date since the last renovation.",
    ),
)
TIERS = (("Bronze", 50, 5), ("Silver", 75, 10), ("Gold", 90, 15))
STORIES = ("climber", "steady", "climber", "slipping", "newcomer", "steady", "unchecked", "climber")


def seed_best_practices(tenant: Tenant, *, today: date, rng: random.Random, progress=print) -> dict:
    """Set up the tenant's checklist and tiers and record a year of checks (call inside its scope)."""
    if Practice.objects.exists():
        progress(f"  {tenant.name}: best practices already set up")
        return {}
    practices = [
        save_practice(name=name, description=description, weight=weight, valid_for_months=months)
        for name, description, weight, months, _ in CHECKLIST
    ]
    missing_notes = {practice.pk: row[4] for practice, row in zip(practices, CHECKLIST, strict=True)}
    for name, threshold, discount in TIERS:
        save_tier(name=name, threshold_percent=threshold, discount_percent=discount)
    checkers = _checkers()
    if not checkers:
        progress(f"  {tenant.name}: best practices set up; no staff to record checks")
        return {}
    told = dict.fromkeys(STORIES, 0)
    checks = 0
    for index, client in enumerate(Client.objects.filter(archived_at__isnull=True).order_by("name")):
        story = STORIES[index % len(STORIES)]
        told[story] += 1
        plan = _story(story, practices, today=today, rng=rng)
        for day, practice, result in plan:
            note = missing_notes[practice.pk] if result == CheckResult.NOT_MET else _met_note(practice, rng)
            record_check(
                client,
                practice=practice,
                result=result,
                checked_on=day,
                by=rng.choice(checkers),
                note=note,
                evidence=_evidence(client, practice, day) if _has_evidence(practice, result) else None,
                today=today,
            )
            checks += 1
    progress(
        f"  {tenant.name}: best practices: {len(practices)} practices, {checks} checks ("
        + ", ".join(f"{n} {story}" for story, n in told.items() if n)
        + ")"
    )
    return {"practices": len(practices), "checks": checks, **told}


def _checkers() -> list:
    roles = [Role.TECHNICIAN, Role.MANAGER, Role.OWNER, Role.DISPATCHER]
    members = StaffMembership.objects.filter(is_active=True, role__in=roles).select_related("user")
    return [member.user for member in members.order_by("user__email")]


def _story(story: str, practices: list[Practice], *, today: date, rng: random.Random):
    """(day, practice, result) in the order they were recorded."""
    if story == "unchecked":
        return []
    by_weight = sorted(practices, key=lambda p: (-p.weight, p.position))
    if story == "newcomer":
        audit = today - timedelta(days=rng.randint(20, 55))
        missing = set(rng.sample(by_weight[2:], 3))
        return [(audit, p, CheckResult.NOT_MET if p in missing else CheckResult.MET) for p in practices]
    audit = today - timedelta(days=rng.randint(315, 340))
    if story == "climber":
        # 60% (Bronze); fixing MFA makes 80% (Silver), the rest 100% (Gold).
        missing = {by_weight[1], by_weight[4], rng.choice(by_weight[5:])}
        first_fix = [by_weight[1]]
        # Some have not finished the second round yet and stay Silver.
        second_fix = [p for p in missing if p not in first_fix] if rng.random() < 0.6 else []
    elif story == "slipping":
        missing = {rng.choice(by_weight[5:])}
        first_fix, second_fix = [], []
    else:  # steady
        missing = set(rng.sample(by_weight[5:], rng.randint(0, 1)))
        first_fix, second_fix = [], []
    na = {
        p for p in practices if p.name == "Guest Wi-Fi isolated" and rng.random() < 0.3 and p not in missing
    }
    plan = [
        (
            audit,
            p,
            CheckResult.NOT_APPLICABLE
            if p in na
            else CheckResult.NOT_MET
            if p in missing
            else CheckResult.MET,
        )
        for p in practices
    ]
    state = {p.pk: result for _, p, result in plan}
    firmware = next(p for p in practices if p.valid_for_months == 6)
    fixes = [(audit + timedelta(days=rng.randint(95, 130)), first_fix)]
    fixes.append((audit + timedelta(days=rng.randint(215, 260)), second_fix))
    for day, fixed in fixes:
        for practice in fixed:
            plan.append((day, practice, CheckResult.MET))
            state[practice.pk] = CheckResult.MET
    # Firmware is re-checked every six months, so it never lapses; the slipping client's backups fail.
    recheck = audit + timedelta(days=rng.randint(170, 180))
    plan.append((recheck, firmware, state[firmware.pk]))
    if story == "slipping":
        plan.append((audit + timedelta(days=rng.randint(200, 230)), by_weight[0], CheckResult.NOT_MET))
    plan = [(min(day, today), practice, result) for day, practice, result in plan]
    return sorted(plan, key=lambda step: step[0])


def _met_note(practice: Practice, rng: random.Random) -> str:
    return rng.choice(("Checked on site.", "Checked remotely from the console.", "Verified with the client."))


def _has_evidence(practice: Practice, result: str) -> bool:
    return practice.name == "Backups verified" and result == CheckResult.MET


def _evidence(client, practice: Practice, day: date) -> ContentFile:
    text = (
        f"Restore test for {client.name}, {day:%-d %B %Y}\n"
        "Restored 3 folders (412 files) from last night's off-site copy to a scratch share.\n"
        "Checksums match the originals. Job duration 14 min.\n"
    )
    return ContentFile(text.encode(), name=f"restore-test-{day:%Y-%m-%d}.txt")
