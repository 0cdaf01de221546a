"""Covered or billable: decided per piece of work from the agreement's coverage rules (pure Python).

A rule is ``{"category": "hardware"|"software"|"", "work_type": "<WorkType>"|"", "area": "inside"|
"outside"|"", "covered": bool, "note": "…"}``; an empty field (or a missing ``area``) matches anything.
``area`` is where the work's site lies against the company's service area (clients.selectors.site_area):
"travel inside the service area is free" is a rule ``{"work_type": "travel", "area": "inside",
"covered": true}``. Work whose site is not known to be inside or outside matches area-free rules only.
The first matching rule wins, so put the specific rules first. Work no rule matches is billable: a
contract says what it covers, not what it doesn't.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


class WorkType:
    TROUBLESHOOTING = "troubleshooting"
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    REMOTE_SUPPORT = "remote_support"
    INSTALLATION = "installation"
    PROJECT = "project"
    TRAINING = "training"
    TRAVEL = "travel"

    CHOICES = [
        (TROUBLESHOOTING, "Troubleshooting"),
        (REPAIR, "Repair"),
        (MAINTENANCE, "Preventive maintenance"),
        (REMOTE_SUPPORT, "Remote support"),
        (INSTALLATION, "New installation"),
        (PROJECT, "Project work"),
        (TRAINING, "Training"),
        (TRAVEL, "Travel"),
    ]
    LABELS = dict(CHOICES)


CATEGORIES = ("hardware", "software")
INSIDE_AREA, OUTSIDE_AREA = "inside", "outside"
AREAS = {INSIDE_AREA: "inside the service area", OUTSIDE_AREA: "outside the service area"}


@dataclass(frozen=True)
class CoverageDecision:
    covered: bool
    reason: str
    rule_index: int | None  # None: no rule matched


def validate_rules(rules: object) -> list[dict]:
    """The rules, checked; ValueError with a plain message otherwise."""
    if not isinstance(rules, list):
        raise ValueError("Coverage must be a list of rules.")
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, Mapping) or not isinstance(rule.get("covered"), bool):
            raise ValueError(f"Rule {number} needs 'covered': true or false.")
        if rule.get("category", "") not in ("", *CATEGORIES):
            raise ValueError(f"Rule {number}: category must be hardware, software or empty.")
        if rule.get("work_type", "") not in ("", *WorkType.LABELS):
            raise ValueError(f"Rule {number}: unknown work type {rule.get('work_type')!r}.")
        if rule.get("area", "") not in ("", *AREAS):
            raise ValueError(f"Rule {number}: area must be inside, outside or empty.")
    return list(rules)


def _describe(rule: Mapping) -> str:
    parts = [WorkType.LABELS.get(rule.get("work_type", ""), ""), rule.get("category", "")]
    what = " ".join(part for part in parts if part) or "all work"
    if rule.get("area") in AREAS:
        what = f"{what} {AREAS[rule['area']]}"
    return what[0].upper() + what[1:]


def decide(
    *, rules: Iterable[Mapping], category: str, work_type: str, area: str = "", source: str = "the agreement"
) -> CoverageDecision:
    """The first rule matching the work decides; ``area`` is "inside", "outside" or "" (not known), and
    ``source`` names the document the rules come from, for the reason."""
    for index, rule in enumerate(rules):
        if rule.get("category") not in ("", None, category):
            continue
        if rule.get("work_type") not in ("", None, work_type):
            continue
        if rule.get("area") not in ("", None, area):
            continue
        verdict = "covered" if rule["covered"] else "billable"
        note = f" ({rule['note']})" if rule.get("note") else ""
        return CoverageDecision(rule["covered"], f"{_describe(rule)} is {verdict} by {source}{note}.", index)
    return CoverageDecision(
        False, f"{source[0].upper()}{source[1:]} does not cover this work: billable at contract rates.", None
    )
