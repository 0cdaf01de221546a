"""Demo contract templates for `seed_demo`: the "Service Agreement" every client signs (terms of
service + SLA, one published version), a "Response-time schedule" supplement (published v1) and the
"Membership change" supplement clients sign to change their plan from the portal (published last, so it
is the one portal.plan picks). Idempotent: a template that already exists is left as it is."""

from decimal import Decimal

from contracts import versions
from contracts.models import ContractTemplate, TemplateKind
from tenants.models import Tenant
from tenants.scope import tenant_scope

SERVICE_AGREEMENT = "Service Agreement"
RESPONSE_TIME_SCHEDULE = "Response-time schedule"

TERMS = """\
This Service Agreement ("Agreement") is between **{{ tenant_name }}** ("we", "us") and \
**{{ client_name }}** ("you"). It sets out how we support the systems we have installed or manage for \
you, how quickly we respond, what is included and what is billed. It applies whether or not you \
also have a paid membership plan; your plan is **{{ tier }}**.

# Scope of service

We support the audio-visual, control, network, security and IT systems that we installed or that we \
have accepted in writing for support (the "Systems"), at the sites listed in your account. Equipment \
that we did not supply is supported on a best-effort basis and only after an assessment visit.

You can reach us 24 hours a day, 7 days a week:

- through the client portal or by email to our service desk, for anything that can wait;
- by phone, for anything that stops you using a room, a system or your business.

Every request gets a ticket number. We triage every call, whatever the time, and tell you what \
happens next.

# Priorities

We give each request a priority from the impact on you and the urgency:

| Priority | Examples |
|---|---|
| P1 · Critical | The whole house or office has no internet, control system down, security system offline |
| P2 · High | A main room or several users affected, no workaround |
| P3 · Medium | One room, device or user affected, or a workaround exists |
| P4 · Low | Questions, changes, cosmetic issues and requests for new work |

The response times for each priority are in the Service Level Agreement below.

# What is covered

{{ coverage_table }}

Covered work is included at no extra charge. Everything else is billable at the rates below, in \
15-minute increments with a one-hour minimum for site visits. We tell you before we start work that \
is billable, unless you have asked us to go ahead or the work is needed to stop damage.

# Rates

- Remote support: **{{ hourly_rate_remote }}** per hour
- On-site work: **{{ hourly_rate_onsite }}** per hour, from arrival on site
- Travel outside our standard service area is billed at the on-site rate
- Work outside business hours that you request, or that a P1 needs, is billed at the after-hours \
rate in section 4

Parts, equipment and third-party licences are quoted and billed separately.

# Your responsibilities

- Give us reasonable access to the sites and Systems, including remote access where we need it.
- Tell us promptly about problems, and do not let others modify the Systems without telling us.
- Keep a working internet connection and power protection for equipment that needs it.
- Make sure someone who can approve billable work is reachable.

Time spent waiting for access, for you or for a third party (such as your internet provider) does not \
count against our response times.

# Limitation of liability

We will perform the services with reasonable skill and care. We are not responsible for problems \
caused by equipment or software we did not supply, changes made by others, power or internet outages, \
misuse, or events beyond our reasonable control. Except where the law does not allow it, our total \
liability under this Agreement in any year is limited to the fees you paid us under it in the twelve \
months before the claim, and neither of us is liable for indirect or consequential loss, including \
loss of data, profits or business.

# Privacy and access

We only use remote access and the credentials you give us to support the Systems. We keep them \
confidential and remove our access when this Agreement ends, if you ask us to.

# Changes to this Agreement

We may publish a new version of this Agreement. We will send it to you at least \
{{ notice_days }} days before it takes effect; the version you signed applies until you sign the new \
one or your term renews.

# Signature

By signing, you confirm that you have read this Agreement, that you accept it on behalf of \
{{ client_name }}, and that you are authorised to do so. Signed electronically on {{ today }}.
"""

SLA = """\
We respond to and resolve requests within these times, measured on the calendar shown (business-hours \
calendars exclude weekends and public holidays). "First response" means a technician has started \
working on your request; "on-site arrival" applies to problems that need a visit.

{{ sla_table }}

If we miss a target we will tell you why and what we are doing about it. Members on a paid plan, \
and clients who add the Premium Response option, get shorter targets; ask us at any time.
"""

COVERAGE = [
    {"category": "", "work_type": "remote_support", "covered": True,
     "note": "24/7 triage and the first 15 minutes of remote diagnosis of every request"},
    {"category": "hardware", "work_type": "repair", "covered": True,
     "note": "Labour to repair or replace equipment we installed while under manufacturer warranty"},
    {"category": "software", "work_type": "troubleshooting", "covered": False,
     "note": "Beyond the first 15 minutes of remote diagnosis"},
    {"category": "", "work_type": "maintenance", "covered": False,
     "note": "Included in Silver, Gold and Platinum memberships"},
    {"category": "", "work_type": "installation", "covered": False, "note": "Quoted separately"},
    {"category": "", "work_type": "project", "covered": False, "note": "Quoted separately"},
    {"category": "", "work_type": "travel", "area": "inside", "covered": True,
     "note": "Inside our standard service area travel is free"},
    {"category": "", "work_type": "travel", "covered": False,
     "note": "Outside our standard service area, at the on-site rate"},
]  # fmt: skip

BILLING = (
    "Billable work is invoiced monthly in arrears, itemised per ticket, and due within 15 days. "
    "Memberships are billed monthly in advance. Overdue invoices may pause non-critical work."
)

SUPPLEMENT_TERMS = """\
This supplement amends the service agreement between {{ tenant_name }} and {{ client_name }}. It \
defines the response and service times you can expect, so that requests are handled in a clear and \
predictable order. Everything else in your service agreement stays as it is.

# How response times work

The time we need depends on how urgent the problem is, how much it affects you, whether it can be \
fixed remotely and how far we need to travel. Remote fixes are usually quick; problems that need a \
visit take longer. The table in section 2 sets out the times for your plan, **{{ tier }}**.

# Premium Response

You can add the Premium Response option at any time while your service agreement is in force. It \
gives express response and resolution times, staffed by additional technicians.
"""

SUPPLEMENT_SLA = "{{ sla_table }}\n"

MEMBERSHIP_CHANGE = "Membership change"

MEMBERSHIP_CHANGE_TERMS = """\
This supplement amends the service agreement between {{ tenant_name }} and {{ client_name }}. It \
changes {{ client_name }}'s membership plan; everything else in your service agreement stays as it is.

# Your plan from the day you sign

From the day this supplement is signed, your plan is **{{ tier }}**, with the extras and the price \
shown at the top of this document and in the summary. The response times in section 2 apply to every \
request opened from that day, and to requests still open then.

# Billing

An upgrade takes effect the day you sign. Your next invoice charges the new plan for the rest of the \
current billing period and credits the unused part of what it replaces, day by day. From the next \
period, the new price is billed in advance as usual. A smaller plan or fewer extras take effect at \
the end of a billing period, so you never lose what you have paid for.
"""


def _ensure(name: str, *, kind: str, description: str, by=None, **content) -> bool:
    if ContractTemplate.objects.filter(name=name).exists():
        return False
    template = versions.create_template(name=name, kind=kind, description=description)
    draft = versions.create_draft(template=template, **content)
    versions.publish_version(draft, by=by)
    return True


def seed_contracts(tenant: Tenant, progress=print) -> None:
    is_msp = tenant.slug == "harbor-it"
    remote, onsite = (
        (Decimal("125.00"), Decimal("165.00")) if is_msp else (Decimal("95.00"), Decimal("145.00"))
    )
    with tenant_scope(tenant):
        created = _ensure(
            SERVICE_AGREEMENT,
            kind=TemplateKind.SERVICE_CONTRACT,
            description="Terms of service and SLA that every client signs, with or without a paid plan.",
            title="Service Agreement",
            terms_markdown=TERMS,
            sla_markdown=SLA,
            coverage=COVERAGE,
            hourly_rate_remote=remote,
            hourly_rate_onsite=onsite,
            after_hours_multiplier=Decimal("1.50"),
            billing_terms=BILLING,
            term_months=12,
            auto_renew=True,
            notice_days=30,
        )
        # A supplement amends the service agreement: its coverage and rates still apply.
        as_supplement = {
            "kind": TemplateKind.SUPPLEMENT, "sla_markdown": SUPPLEMENT_SLA, "coverage": [],
            "hourly_rate_remote": Decimal("0"), "hourly_rate_onsite": Decimal("0"), "billing_terms": "",
            "term_months": 12, "auto_renew": True, "notice_days": 30,
        }  # fmt: skip
        supplement = _ensure(
            RESPONSE_TIME_SCHEDULE,
            description="Sent to clients who signed before response times were defined.",
            title="Supplement: Response-time schedule",
            terms_markdown=SUPPLEMENT_TERMS,
            **as_supplement,
        )
        membership_change = _ensure(
            MEMBERSHIP_CHANGE,
            description="Sent from the client portal when a client moves to a higher plan or adds an extra.",
            title="Supplement: Membership change",
            terms_markdown=MEMBERSHIP_CHANGE_TERMS,
            **as_supplement,
        )
    seeded = ((SERVICE_AGREEMENT, created), (RESPONSE_TIME_SCHEDULE, supplement),
              (MEMBERSHIP_CHANGE, membership_change))  # fmt: skip
    made = [name for name, new in seeded if new]
    progress(
        f"  {tenant.name}: contract templates {'created: ' + ', '.join(made) if made else 'already there'}."
    )
