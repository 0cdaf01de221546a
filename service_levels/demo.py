"""Demo SLA configuration for `seed_demo`: calendars, policies (basic triage, standard, Silver, Gold,
Platinum, the Premium Response rider), the priority matrix and an issue catalog. Idempotent."""

from service_levels import services
from service_levels.models import BusinessCalendar, IssueType, Metric, PolicyKind, PriorityRule, SlaPolicy
from service_levels.selectors import DEFAULT_MATRIX
from tenants.models import Tenant
from tenants.scope import tenant_scope

H = 60  # minutes in an hour

# (name, kind, key, description, {priority: {metric: (minutes, calendar name)}})
ALWAYS, BUSINESS, EXTENDED = "24/7", "Business hours", "Extended hours"
POLICIES = [
    ("Basic triage", PolicyKind.BASIC_TRIAGE, "",
     "Clients without a signed service contract: 24/7 triage of P1 calls, everything else answered in "
     "business hours. No site visits or fix times are promised.",
     {"P1": {Metric.FIRST_RESPONSE: (2 * H, ALWAYS)}, "P2": {Metric.FIRST_RESPONSE: (8 * H, BUSINESS)},
      "P3": {Metric.FIRST_RESPONSE: (16 * H, BUSINESS)}, "P4": {Metric.FIRST_RESPONSE: (24 * H, BUSINESS)}}),
    ("Standard contract", PolicyKind.STANDARD, "",
     "Signed service contract without a paid plan: 24/7 instant triage, work in business hours at contract rates.",
     {"P1": {Metric.FIRST_RESPONSE: (1 * H, ALWAYS), Metric.ONSITE: (16 * H, BUSINESS), Metric.RESOLUTION: (24 * H, BUSINESS)},
      "P2": {Metric.FIRST_RESPONSE: (4 * H, BUSINESS), Metric.ONSITE: (24 * H, BUSINESS), Metric.RESOLUTION: (40 * H, BUSINESS)},
      "P3": {Metric.FIRST_RESPONSE: (8 * H, BUSINESS), Metric.RESOLUTION: (80 * H, BUSINESS)},
      "P4": {Metric.FIRST_RESPONSE: (16 * H, BUSINESS), Metric.RESOLUTION: (120 * H, BUSINESS)}}),
    ("Silver", PolicyKind.TIER, "silver",
     "Silver membership: priority scheduling in business hours.",
     {"P1": {Metric.FIRST_RESPONSE: (30, ALWAYS), Metric.ONSITE: (8 * H, BUSINESS), Metric.RESOLUTION: (16 * H, BUSINESS)},
      "P2": {Metric.FIRST_RESPONSE: (2 * H, BUSINESS), Metric.ONSITE: (16 * H, BUSINESS), Metric.RESOLUTION: (24 * H, BUSINESS)},
      "P3": {Metric.FIRST_RESPONSE: (4 * H, BUSINESS), Metric.RESOLUTION: (40 * H, BUSINESS)},
      "P4": {Metric.FIRST_RESPONSE: (8 * H, BUSINESS), Metric.RESOLUTION: (80 * H, BUSINESS)}}),
    ("Gold", PolicyKind.TIER, "gold",
     "Gold membership: on-site within 4 business hours for critical issues, extended hours.",
     {"P1": {Metric.FIRST_RESPONSE: (15, ALWAYS), Metric.ONSITE: (4 * H, EXTENDED), Metric.RESOLUTION: (8 * H, EXTENDED)},
      "P2": {Metric.FIRST_RESPONSE: (1 * H, EXTENDED), Metric.ONSITE: (8 * H, EXTENDED), Metric.RESOLUTION: (16 * H, EXTENDED)},
      "P3": {Metric.FIRST_RESPONSE: (2 * H, EXTENDED), Metric.ONSITE: (24 * H, EXTENDED), Metric.RESOLUTION: (32 * H, EXTENDED)},
      "P4": {Metric.FIRST_RESPONSE: (4 * H, EXTENDED), Metric.RESOLUTION: (60 * H, EXTENDED)}}),
    ("Platinum", PolicyKind.TIER, "platinum",
     "Platinum membership: around-the-clock response and site visits for critical issues.",
     {"P1": {Metric.FIRST_RESPONSE: (15, ALWAYS), Metric.ONSITE: (4 * H, ALWAYS), Metric.RESOLUTION: (8 * H, ALWAYS)},
      "P2": {Metric.FIRST_RESPONSE: (30, ALWAYS), Metric.ONSITE: (4 * H, EXTENDED), Metric.RESOLUTION: (12 * H, EXTENDED)},
      "P3": {Metric.FIRST_RESPONSE: (1 * H, EXTENDED), Metric.ONSITE: (16 * H, EXTENDED), Metric.RESOLUTION: (24 * H, EXTENDED)},
      "P4": {Metric.FIRST_RESPONSE: (2 * H, EXTENDED), Metric.RESOLUTION: (40 * H, EXTENDED)}}),
    ("Premium Response", PolicyKind.RIDER, "premium-response",
     "Rider: express response and resolution on top of any tier, staffed by extra technicians.",
     {"P1": {Metric.FIRST_RESPONSE: (10, ALWAYS), Metric.RESOLUTION: (4 * H, ALWAYS)},
      "P2": {Metric.FIRST_RESPONSE: (20, ALWAYS), Metric.RESOLUTION: (8 * H, EXTENDED)},
      "P3": {Metric.FIRST_RESPONSE: (1 * H, EXTENDED)},
      "P4": {Metric.FIRST_RESPONSE: (2 * H, EXTENDED)}}),
]  # fmt: skip

# (name, category, default priority, location, expected turnaround in business minutes, for which tenants)
CATALOG = [
    ("Password reset or account lockout", "software", "P3", "remote", 1 * H, "both"),
    ("Email not sending or syncing", "software", "P3", "remote", 4 * H, "both"),
    ("Application crashes or will not start", "software", "P3", "remote", 8 * H, "both"),
    ("Software update or patch needed", "software", "P4", "remote", 24 * H, "both"),
    ("Virus or ransomware suspected", "software", "P1", "remote", 4 * H, "both"),
    ("Internet outage at the site", "hardware", "P1", "on_site", 4 * H, "both"),
    ("Wi-Fi slow or dropping in part of the site", "hardware", "P3", "on_site", 16 * H, "both"),
    ("Printer jammed or offline", "hardware", "P4", "on_site", 16 * H, "msp"),
    ("Server or NAS failure", "hardware", "P1", "on_site", 8 * H, "msp"),
    ("Laptop or desktop will not boot", "hardware", "P2", "on_site", 16 * H, "msp"),
    ("New user or device set-up", "software", "P4", "remote", 24 * H, "msp"),
    ("Control system unresponsive (whole house)", "hardware", "P1", "on_site", 4 * H, "av"),
    ("Remote or keypad not controlling a room", "software", "P3", "remote", 8 * H, "av"),
    ("TV or projector has no picture", "hardware", "P3", "on_site", 16 * H, "av"),
    ("Whole-home audio zone silent", "hardware", "P3", "on_site", 16 * H, "av"),
    ("Streaming app or service sign-in", "software", "P4", "remote", 4 * H, "av"),
    ("Security camera offline", "hardware", "P2", "remote", 8 * H, "av"),
    ("Lighting scene or schedule wrong", "software", "P4", "remote", 8 * H, "av"),
]


def seed_service_levels(tenant: Tenant, *, is_msp: bool, progress=print) -> None:
    with tenant_scope(tenant):
        calendars = {c.name: c for c in BusinessCalendar.objects.all()}
        shapes = {ALWAYS: ("always_open", ""), BUSINESS: ("office_hours", tenant.country),
                  EXTENDED: ("extended_hours", tenant.country)}  # fmt: skip
        for name, (preset, country) in shapes.items():
            if name not in calendars:
                calendars[name] = services.create_calendar(
                    name=name,
                    timezone=tenant.timezone,
                    weekly_hours=services.PRESETS[preset],
                    holiday_country=country,
                    holiday_subdivision=tenant.subdivision if country else "",
                )
        existing = set(SlaPolicy.objects.values_list("name", flat=True))
        for name, kind, key, description, grid in POLICIES:
            if name in existing:
                continue
            policy = services.create_policy(name=name, kind=kind, key=key, description=description)
            services.set_targets(
                policy,
                {
                    (priority, metric): (minutes, calendars[calendar_name])
                    for priority, metrics in grid.items()
                    for metric, (minutes, calendar_name) in metrics.items()
                },
            )
        if not PriorityRule.objects.exists():
            for (impact, urgency), priority in DEFAULT_MATRIX.items():
                services.set_priority(impact=impact, urgency=urgency, priority=priority)
        known = set(IssueType.objects.values_list("name", flat=True))
        for name, category, priority, location, minutes, audience in CATALOG:
            if name in known or audience == ("av" if is_msp else "msp"):
                continue
            services.create_issue_type(
                name=name,
                category=category,
                default_priority=priority,
                work_location=location,
                expected_turnaround_minutes=minutes,
            )
        progress(
            f"  {tenant.name}: {BusinessCalendar.objects.count()} calendars, {SlaPolicy.objects.count()} SLA "
            f"policies, {IssueType.objects.count()} issue types"
        )
