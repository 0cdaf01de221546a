"""Which clients and prospects should meet: a simple, explainable score over referral profiles.

Pure Python (no Django). A profile is words staff wrote; matching compares the meaningful words of one
side's fields with the other's:

- the seller's *target customers* mention the buyer's *industry*: 3 points;
- the seller's *sells* meets the buyer's *needs*: 3 points;
- both work in the same *area*: 1 point (only on top of a business reason; an area alone is no match).

A suggestion is "introduce seller to buyer" with its score and the reasons, in words, that made it.
Words are compared lower-cased, without stop words or a plural "s", so "dental practices" meets
"Dental practice".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TARGET_INDUSTRY = 3
SELLS_NEEDS = 3
SAME_AREA = 1

STOP_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an and any are as at by for from in into of on or our the their them they to with who "
        "small large local new other people company companies business businesses",
    )
)


@dataclass(frozen=True)
class MatchProfile:
    """One side of a possible introduction: ``key`` identifies it to the caller (``client:4``)."""

    key: str
    name: str
    industry: str = ""
    sells: str = ""
    target_customers: str = ""
    area: str = ""
    needs: str = ""
    can_sell: bool = True  # a prospect is only ever the buyer


@dataclass(frozen=True)
class Suggestion:
    seller: MatchProfile
    buyer: MatchProfile
    score: int
    reasons: tuple[str, ...] = field(default_factory=tuple)


def words(text: str) -> set[str]:
    """The meaningful words of ``text``: lower case, no stop words, a trailing plural 's' dropped."""
    found = set()
    for word in re.findall(r"[a-z0-9]+", (text or "").lower()):
        if word in STOP_WORDS or len(word) < 3:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        found.add(word)
    return found


def score_pair(seller: MatchProfile, buyer: MatchProfile) -> Suggestion | None:
    """How well ``buyer`` fits as a customer of ``seller``, or None when nothing connects them."""
    if seller.key == buyer.key or not seller.can_sell:
        return None
    score, reasons = 0, []
    common = words(seller.target_customers) & words(buyer.industry)
    if common:
        score += TARGET_INDUSTRY
        reasons.append(f"{seller.name} looks for {', '.join(sorted(common))} customers; {buyer.name} is one")
    common = words(seller.sells) & words(buyer.needs)
    if common:
        score += SELLS_NEEDS
        reasons.append(f"{buyer.name} needs {', '.join(sorted(common))}, which {seller.name} sells")
    if score and seller.area and words(seller.area) and words(seller.area) == words(buyer.area):
        score += SAME_AREA
        reasons.append(f"both work in {seller.area}")
    if not score:
        return None
    return Suggestion(seller, buyer, score, tuple(reasons))


def suggest_matches(
    profiles: list[MatchProfile], *, exclude: set[tuple[str, str]] = frozenset(), limit: int = 10
) -> list[Suggestion]:
    """The best introductions among ``profiles``, highest score first (then by names, so the order is
    stable); ``exclude`` holds (seller key, buyer key) pairs already proposed."""
    found = []
    for seller in profiles:
        for buyer in profiles:
            if (seller.key, buyer.key) in exclude:
                continue
            suggestion = score_pair(seller, buyer)
            if suggestion is not None:
                found.append(suggestion)
    found.sort(key=lambda s: (-s.score, s.seller.name.lower(), s.buyer.name.lower()))
    return found[:limit]
