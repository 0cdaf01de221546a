"""What each program adds to the pages that show a client's rewards.

The client's portal rewards page (``portal``) and the staff rewards page of a client (``rewards``) show
the ledger, then one section per program: the client's standing in it (utilisation this period and what
the next tier needs, best-practice tier and what would move them up, the anniversary streak, a
spotlight, referrals). Each program registers its sections in ``RewardsConfig.ready()``::

    register_section(Program.UTILIZATION, audience="portal",
                     template="rewards/sections/utilization_portal.html", build=utilization_standing)

``build(client, on)`` returns the template's context (a dict), or None when the section has nothing to
say for this client (the program is switched off, say). Sections render in ``Program`` order, after the
ledger; each template renders its own card and heading. The template sees the page's
context (``client``, ``currency``, and ``token`` in the portal), the dict's keys, and ``section``
(``{% reward_section section %}`` in ``rewards_tags``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from rewards.models import Program

AUDIENCES = ("portal", "staff")


@dataclass(frozen=True)
class Section:
    program: str
    audience: str
    template: str
    build: Callable[[object, date], dict | None]


@dataclass(frozen=True)
class RenderedSection:
    program: str
    label: str
    template: str
    context: dict


_sections: dict[tuple[str, str], Section] = {}


def register_section(program: str, *, audience: str, template: str, build) -> None:
    if program not in Program.values:
        raise ValueError(f"{program!r} is not a rewards program")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}")
    _sections[(program, audience)] = Section(program, audience, template, build)


def sections_for(client, *, audience: str, on: date) -> list[RenderedSection]:
    """The sections that have something to say about ``client`` (call inside its tenant's scope)."""
    rendered = []
    for program in Program.values:
        section = _sections.get((program, audience))
        if section is None:
            continue
        context = section.build(client, on)
        if context is not None:
            rendered.append(RenderedSection(program, Program(program).label, section.template, context))
    return rendered
