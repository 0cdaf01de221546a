"""How fast the staff home page and the revenue pages answer with 100 and with 1,000 clients.

Builds, in a scratch database `<app db>_bench_revenue` and with bulk SQL, two companies of the same shape,
one with 100 clients and one with 1,000 (BENCH_REVENUE_CLIENTS): three years of history up to today,
with
- a service agreement for nine clients in ten, their ends spread over the coming year;
- memberships with their phase history: Silver, Gold or Platinum (1, 2 or 4 included hours a month),
  one in seven on an annual plan, one in four upgraded after a year, one in six downgraded after two, one
  in ten churned after 18 months (half of those back later), one in five with the Premium Response rider
  (half an hour more);
- monthly membership invoices for every period held (yearly ones for annual plans) and a quarterly
  labour invoice for a third of the clients, with their lines; payments (in full after a while, some in
  part or late, the recent ones open), a few disputed, some partial credit notes;
- disputes with their threads: open ones for the disputed invoices, resolved ones by the credit notes, by
  an explanation the client accepted, or withdrawn;
- twelve resolved tickets per client with two time entries each, and an open ticket with a running SLA
  clock (on track, warning or breached, with the breach recorded) for one client in eight.

Then, through Django's test Client signed in as each company's owner, requests every page of PAGES (the
URL names; those not on this branch are skipped and said so), WARMUP times and then REPEAT times each,
and prints p50 and p95 and the number of queries for both companies; then a table of every page, worst
ratio of the p50s last, saying whether the 300 ms target at 1,000 clients is met and whether the queries
are equal, and a line for each page that misses either. Prints figures; asserts nothing about time.
"""

import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")
# Its test client speaks plain http, as runserver does: no redirect to https.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")

import django

from bench.scratch import as_web, as_worker, scratch_database

SMALL, LARGE = 100, int(os.environ.get("BENCH_REVENUE_CLIENTS", "1000"))
REPEAT = int(os.environ.get("BENCH_REVENUE_REPEAT", "20"))
WARMUP = 3
TARGET_MS = 300
# Files of every row of the period: their time and chunked queries grow with the rows, by design.
GROWS_WITH_ROWS = {"billing:export_file"}


def client_pk(name: str):
    """A URL argument: the pk of the client called ``name`` in the company measured (the same client,
    by number, in both companies)."""

    def pk(slug: str) -> int:
        from clients.models import Client
        from tenants.scope import cross_tenant

        with cross_tenant("bench: a client's pk for a URL"):
            return Client.objects.get(tenant__slug=slug, name=name).pk

    return pk


# The last twelve months as a custom range (the presets go back 90 days at most)
A_YEAR = f"period=custom&start={date.today() - timedelta(days=364)}&end={date.today()}"

# (URL name, URL arguments, query string): the pages measured, and the JSON their charts load. Add a line
# for a new page. An argument may be a function of the company's slug (client_pk).
PAGES = [
    ("tenants:home", [], ""),
    ("reports:revenue", [], ""),
    ("api:report-mrr-list", [], "months=24"),
    ("reports:profitability", [], "period=last_month"),
    ("reports:profitability", [], f"{A_YEAR}&sort=-margin"),
    ("api:report-profitability-list", [], "period=last_month&page_size=10"),
    ("reports:profitability_agreements", [], "period=last_month"),
    ("reports:profitability_agreements", [], A_YEAR),
    # Client 3: a member with a labour invoice every quarter and twelve tickets
    ("reports:profitability_client", [client_pk("Client 00003")], A_YEAR),
    ("billing:disputes", [], ""),
    ("billing:disputes", [], "status=closed"),
    ("billing:dispute_rate_json", [], ""),
    ("billing:export", [], "period=last_month"),
    ("billing:export_file", ["invoices"], "period=last_month&format=xero"),
]

SEED = """
SELECT setseed(0.42);
INSERT INTO tenants_tenant (name, slug, timezone, currency, country, subdivision, is_active, created_at, reply_to_email)
VALUES (%(name)s, %(slug)s, 'America/New_York', 'USD', 'US', 'NY', true, now(), '');
CREATE TEMP TABLE bench ON COMMIT DROP AS
SELECT id AS tenant, (now() AT TIME ZONE 'America/New_York')::date AS today FROM tenants_tenant WHERE slug = %(slug)s;

INSERT INTO accounts_user (password, is_superuser, email, full_name, is_active, is_staff, date_joined)
SELECT '!', false, 'staff' || k || '@' || %(slug)s || '.example', 'Staff ' || k, true, false, now()
FROM generate_series(0, 4) AS k;
INSERT INTO tenants_staffmembership (role, is_active, created_at, user_id, tenant_id)
SELECT CASE WHEN u.email LIKE 'staff0@%%' THEN 'owner' ELSE 'technician' END, true, now(), u.id, b.tenant
FROM bench b, accounts_user u WHERE u.email LIKE '%%@' || %(slug)s || '.example';
-- Cost rates with a history: $40 an hour three years ago, a raise to $48 eighteen months ago
INSERT INTO tenants_costrate (tenant_id, membership_id, rate, effective_from, note, set_at)
SELECT b.tenant, m.id, r.rate, b.today - r.days_ago, '', now()
FROM bench b JOIN tenants_staffmembership m ON m.tenant_id = b.tenant
CROSS JOIN (VALUES (40.00, 1100), (48.00, 540)) AS r(rate, days_ago);
CREATE TEMP TABLE techs ON COMMIT DROP AS
SELECT user_id AS id, row_number() OVER (ORDER BY user_id) - 1 AS slot FROM tenants_staffmembership m, bench b
WHERE m.tenant_id = b.tenant AND m.role = 'technician';

INSERT INTO clients_client (tenant_id, name, email, phone, managed_endpoints, notes, created_at, updated_at)
SELECT tenant, 'Client ' || lpad(n::text, 5, '0'), 'client' || n || '@bench.example', '', 5 + n %% 40, '',
    now() - interval '3 years', now()
FROM bench, generate_series(1, %(clients)s) AS n;
CREATE TEMP TABLE numbered ON COMMIT DROP AS
SELECT c.id, row_number() OVER (ORDER BY c.id) AS n FROM clients_client c, bench b WHERE c.tenant_id = b.tenant;

INSERT INTO contracts_contracttemplate (tenant_id, name, kind, description, created_at)
SELECT tenant, 'Service agreement', 'service_contract', '', now() FROM bench;
INSERT INTO contracts_contractversion (tenant_id, template_id, number, status, title, terms_markdown, sla_markdown,
    coverage, hourly_rate_remote, hourly_rate_onsite, after_hours_multiplier, billing_terms, term_months, auto_renew,
    notice_days, created_at, published_at)
SELECT b.tenant, t.id, 1, 'published', 'Service Agreement', 'Terms', '',
    '[{"category": "", "work_type": "remote_support", "covered": true, "note": ""}]', 120, 160, 1.5, '', 12, true, 30,
    now(), now()
FROM bench b JOIN contracts_contracttemplate t ON t.tenant_id = b.tenant;
-- Nine clients in ten signed; the current terms end over the coming year (about one in twelve in 30 days)
INSERT INTO contracts_agreement (tenant_id, client_id, version_id, status, auto_renew, declined_reason, starts_on,
    ends_on, created_at, updated_at)
SELECT b.tenant, c.id, v.id, 'active', true, '', b.today - (c.n * 7 %% 360)::int,
    b.today - (c.n * 7 %% 360)::int + 364, now(), now()
FROM bench b JOIN contracts_contractversion v ON v.tenant_id = b.tenant JOIN numbered c ON c.n %% 10 <> 0;

INSERT INTO memberships_plan (tenant_id, kind, key, name, description, monthly_price, annual_price, rank,
    proactive_monitoring, priority_onsite, onsite_visits_included, hours_included, labour_discount_percent, created_at,
    updated_at)
SELECT tenant, kind, key, name, '', monthly, annual, rank, false, false, 0, hours, discount, now(), now()
FROM bench, (VALUES ('tier', 'silver', 'Silver', 60.00, 600.00, 1, 1.00, 5.00),
                    ('tier', 'gold', 'Gold', 100.00, 1000.00, 2, 2.00, 10.00),
                    ('tier', 'platinum', 'Platinum', 200.00, 2000.00, 3, 4.00, 15.00),
                    ('rider', 'premium-response', 'Premium Response', 25.00, 250.00, 0, 0.50, 0.00))
     AS p(kind, key, name, monthly, annual, rank, hours, discount);
CREATE TEMP TABLE plans ON COMMIT DROP AS
SELECT p.* FROM memberships_plan p, bench b WHERE p.tenant_id = b.tenant;

-- A membership per signed client, started in the first 200 days of three years ago
CREATE TEMP TABLE members ON COMMIT DROP AS
SELECT c.id AS client_id, c.n, a.id AS agreement_id, (b.today - interval '3 years')::date + (c.n %% 200)::int AS s,
    (ARRAY['silver', 'gold', 'platinum'])[1 + c.n %% 3] AS tier,
    CASE WHEN c.n %% 7 = 0 THEN 'annual' ELSE 'monthly' END AS cycle,
    c.n %% 10 = 3 AS churned, c.n %% 20 = 3 AS reactivated, c.n %% 4 = 1 AS upgraded,
    c.n %% 6 = 5 AND c.n %% 10 <> 3 AS downgraded, c.n %% 5 = 0 AS with_rider
FROM bench b JOIN numbered c ON c.n %% 10 <> 0 JOIN contracts_agreement a ON a.client_id = c.id;
INSERT INTO memberships_subscription (tenant_id, client_id, agreement_id, status, started_on, anchor_day, anchor_month,
    ends_on, created_at, updated_at)
SELECT b.tenant, m.client_id, m.agreement_id, CASE WHEN m.churned THEN 'ended' ELSE 'active' END, m.s,
    extract(day FROM m.s), extract(month FROM m.s), CASE WHEN m.churned THEN m.s + 540 END, now(), now()
FROM bench b, members m;
INSERT INTO memberships_subscription (tenant_id, client_id, agreement_id, status, started_on, anchor_day, anchor_month,
    ends_on, created_at, updated_at)
SELECT b.tenant, m.client_id, m.agreement_id, 'active', m.s + 600, extract(day FROM m.s + 600),
    extract(month FROM m.s + 600), NULL, now(), now()
FROM bench b, members m WHERE m.reactivated;

-- Phases: the first plan, Platinum after a year for the upgraded, Silver after two for the downgraded
CREATE TEMP TABLE phases ON COMMIT DROP AS
SELECT sub.id AS subscription_id, m.n, m.cycle, m.with_rider, seg.starts_on, seg.ends_on, seg.tier
FROM members m JOIN memberships_subscription sub ON sub.client_id = m.client_id AND sub.started_on = m.s
CROSS JOIN LATERAL (VALUES
    (m.s, CASE WHEN m.upgraded THEN m.s + 365 WHEN m.downgraded THEN m.s + 730 ELSE sub.ends_on END, m.tier, true),
    (m.s + 365, CASE WHEN m.downgraded THEN m.s + 730 ELSE sub.ends_on END, 'platinum', m.upgraded),
    (m.s + 730, sub.ends_on, 'silver', m.downgraded)) AS seg(starts_on, ends_on, tier, held)
WHERE seg.held
UNION ALL
SELECT sub.id, m.n, 'monthly', false, sub.started_on, NULL, 'gold'
FROM members m JOIN memberships_subscription sub ON sub.client_id = m.client_id AND sub.started_on = m.s + 600;
INSERT INTO memberships_subscriptionphase (tenant_id, subscription_id, starts_on, ends_on, plan_id, billing_cycle,
    plan_price, announced_at, created_at)
SELECT b.tenant, ph.subscription_id, ph.starts_on, ph.ends_on, p.id, ph.cycle,
    CASE WHEN ph.cycle = 'annual' THEN p.annual_price ELSE p.monthly_price END, now(), now()
FROM bench b, phases ph JOIN plans p ON p.key = ph.tier;
INSERT INTO memberships_phaserider (tenant_id, phase_id, rider_id, price)
SELECT b.tenant, sp.id, r.id, CASE WHEN sp.billing_cycle = 'annual' THEN 250 ELSE 25 END
FROM bench b JOIN memberships_subscriptionphase sp ON sp.tenant_id = b.tenant
JOIN phases ph ON ph.subscription_id = sp.subscription_id AND ph.starts_on = sp.starts_on AND ph.with_rider
JOIN plans r ON r.key = 'premium-response';

-- Membership invoices: each period held up to today (a year for an annual plan), at the phase's price
CREATE TEMP TABLE periods ON COMMIT DROP AS
SELECT sp.subscription_id, sub.client_id, c.n, k, p.start, (p.start + CASE WHEN sp.billing_cycle = 'annual'
    THEN interval '1 year' ELSE interval '1 month' END)::date AS stop, sp.plan_id, sp.plan_price, pl.name AS plan_name,
    pr.price AS rider_price, pr.rider_id
FROM bench b JOIN memberships_subscriptionphase sp ON sp.tenant_id = b.tenant
JOIN memberships_subscription sub ON sub.id = sp.subscription_id JOIN numbered c ON c.id = sub.client_id
JOIN plans pl ON pl.id = sp.plan_id
LEFT JOIN memberships_phaserider pr ON pr.phase_id = sp.id
CROSS JOIN LATERAL generate_series(0, 40) AS k
CROSS JOIN LATERAL (SELECT (sub.started_on + CASE WHEN sp.billing_cycle = 'annual' THEN k * interval '1 year'
    ELSE k * interval '1 month' END)::date AS start) p
WHERE p.start >= sp.starts_on AND p.start < coalesce(sp.ends_on, b.today + 1) AND p.start <= b.today;
INSERT INTO billing_invoice (tenant_id, client_id, kind, subscription_id, period_start, period_end, status, sequence,
    number, currency, subtotal, tax_rate_percent, tax_label, tax, total, amount_paid, amount_credited, issued_on, due_on,
    bill_to_name, bill_to_email, footer, created_at, updated_at)
SELECT b.tenant, pe.client_id, 'subscription', pe.subscription_id, pe.start, pe.stop, 'draft', NULL, '', 'USD',
    pe.plan_price + coalesce(pe.rider_price, 0), 8.875, 'Sales tax',
    round((pe.plan_price + coalesce(pe.rider_price, 0)) * 0.08875, 2),
    pe.plan_price + coalesce(pe.rider_price, 0) + round((pe.plan_price + coalesce(pe.rider_price, 0)) * 0.08875, 2),
    0, 0, pe.start, pe.start + 14, 'Client ' || lpad(pe.n::text, 5, '0'), 'client' || pe.n || '@bench.example', '',
    now(), now()
FROM bench b, periods pe;
INSERT INTO billing_invoiceline (tenant_id, invoice_id, position, kind, description, detail, period_start, period_end,
    quantity, unit_price, amount, taxable, subscription_id, plan_id)
SELECT i.tenant_id, i.id, 1, 'plan', pe.plan_name || ' membership', '', pe.start, pe.stop, 1, pe.plan_price,
    pe.plan_price, true, pe.subscription_id, pe.plan_id
FROM billing_invoice i JOIN periods pe ON pe.subscription_id = i.subscription_id AND pe.start = i.period_start;
INSERT INTO billing_invoiceline (tenant_id, invoice_id, position, kind, description, detail, period_start, period_end,
    quantity, unit_price, amount, taxable, subscription_id, plan_id)
SELECT i.tenant_id, i.id, 2, 'rider', 'Premium Response', '', pe.start, pe.stop, 1, pe.rider_price, pe.rider_price,
    true, pe.subscription_id, pe.rider_id
FROM billing_invoice i JOIN periods pe ON pe.subscription_id = i.subscription_id AND pe.start = i.period_start
WHERE pe.rider_id IS NOT NULL;

-- Labour, quarterly, for a third of the clients: two lines at $120 an hour
INSERT INTO billing_invoice (tenant_id, client_id, kind, subscription_id, period_start, period_end, status, sequence,
    number, currency, subtotal, tax_rate_percent, tax_label, tax, total, amount_paid, amount_credited, issued_on, due_on,
    bill_to_name, bill_to_email, footer, created_at, updated_at)
SELECT b.tenant, c.id, 'labour', NULL, q.start, (q.start + interval '1 month')::date, 'draft', NULL, '', 'USD',
    300, 8.875, 'Sales tax', 26.63, 326.63, 0, 0, (q.start + interval '1 month')::date,
    (q.start + interval '1 month')::date + 14, 'Client ' || lpad(c.n::text, 5, '0'), 'client' || c.n || '@bench.example',
    '', now(), now()
FROM bench b JOIN numbered c ON c.n %% 3 = 0
CROSS JOIN LATERAL generate_series(1, 11) AS k
CROSS JOIN LATERAL (SELECT (date_trunc('month', b.today) - k * interval '3 months')::date AS start) q;
INSERT INTO billing_invoiceline (tenant_id, invoice_id, position, kind, description, detail, quantity, unit_price,
    amount, taxable)
SELECT i.tenant_id, i.id, l.position, 'labour', l.description, 'Ticket, 1 h at $120.00', l.hours, 120, l.hours * 120,
    true
FROM bench b JOIN billing_invoice i ON i.tenant_id = b.tenant AND i.kind = 'labour'
CROSS JOIN (VALUES (1, 'Rack rebuild', 1.5), (2, 'Camera re-aim', 1.0)) AS l(position, description, hours);

-- Issue them in date order (gapless numbers), then their fate: paid, paid late or in part, open, disputed
UPDATE billing_invoice i SET status = 'issued', sequence = s.seq,
    number = 'INV-' || extract(year FROM i.issued_on) || '-' || lpad(s.seq::text, 6, '0')
FROM (SELECT id, row_number() OVER (ORDER BY issued_on, id) AS seq FROM billing_invoice, bench b
      WHERE tenant_id = b.tenant) s
WHERE i.id = s.id;
INSERT INTO billing_payment (tenant_id, invoice_id, amount, paid_on, method, reference, actor, created_at)
SELECT i.tenant_id, i.id, CASE WHEN i.id %% 17 = 0 AND i.issued_on > b.today - 90 THEN round(i.total / 2, 2)
    ELSE i.total END, least(i.issued_on + (i.id %% 25)::int, b.today), 'bank_transfer', 'BANK ' || i.id, 'bench', now()
FROM bench b JOIN billing_invoice i ON i.tenant_id = b.tenant
WHERE i.issued_on < b.today - 40 OR (i.issued_on < b.today - 10 AND i.id %% 3 = 0);
UPDATE billing_invoice i SET amount_paid = p.amount,
    status = CASE WHEN p.amount = i.total THEN 'paid' ELSE 'partly_paid' END
FROM billing_payment p WHERE p.invoice_id = i.id;
UPDATE billing_invoice i SET status = 'disputed' FROM bench b
WHERE i.tenant_id = b.tenant AND i.status = 'issued' AND i.id %% 11 = 0;

-- A partial credit note on one paid membership invoice in fifty: half of its plan line, with its tax
INSERT INTO billing_creditnote (tenant_id, invoice_id, sequence, number, issued_on, reason, subtotal, tax, total,
    actor, created_at)
SELECT i.tenant_id, i.id, row_number() OVER (ORDER BY i.issued_on, i.id),
    'CN-' || extract(year FROM i.issued_on + 20) || '-' || lpad((row_number() OVER (ORDER BY i.issued_on, i.id))::text, 6, '0'),
    least(i.issued_on + 20, b.today), 'Visit covered by the plan', round(l.amount / 2, 2),
    round(round(l.amount / 2, 2) * 0.08875, 2), round(l.amount / 2, 2) + round(round(l.amount / 2, 2) * 0.08875, 2),
    'bench', now()
FROM bench b JOIN billing_invoice i ON i.tenant_id = b.tenant AND i.kind = 'subscription' AND i.status = 'paid'
JOIN billing_invoiceline l ON l.invoice_id = i.id AND l.position = 1
WHERE i.id %% 50 = 7;
INSERT INTO billing_creditnoteline (tenant_id, credit_note_id, invoice_line_id, description, amount)
SELECT cn.tenant_id, cn.id, l.id, l.description, cn.subtotal
FROM bench b JOIN billing_creditnote cn ON cn.tenant_id = b.tenant
JOIN billing_invoiceline l ON l.invoice_id = cn.invoice_id AND l.position = 1;
UPDATE billing_invoice i SET amount_credited = cn.total FROM billing_creditnote cn WHERE cn.invoice_id = i.id;

-- Disputes: every disputed invoice has an open one (one in three awaiting the client's answer to an
-- explanation); over three years, each credit-noted invoice had one resolved by its credit note and one
-- paid invoice in forty one the client accepted an explanation for, or withdrew (one in four of those)
INSERT INTO billing_dispute (tenant_id, invoice_id, amount, amount_at_stake, reason, status, opened_by, actor,
    opened_at, resolved_at, resolution, credit_note_id, last_activity_at)
SELECT i.tenant_id, i.id, NULL, i.total, 'We were billed for a visit the plan covers.',
    CASE WHEN (i.id / 11) %% 3 = 1 THEN 'awaiting_client' ELSE 'open' END, 'client', i.bill_to_name,
    i.issued_on + time '10:00' + (i.id %% 9) * interval '1 day', NULL, '', NULL,
    i.issued_on + time '10:00' + (i.id %% 9 + 1) * interval '1 day'
FROM bench b JOIN billing_invoice i ON i.tenant_id = b.tenant AND i.status = 'disputed';
INSERT INTO billing_dispute (tenant_id, invoice_id, amount, amount_at_stake, reason, status, opened_by, actor,
    opened_at, resolved_at, resolution, credit_note_id, last_activity_at)
SELECT cn.tenant_id, cn.invoice_id, cn.total, cn.total, 'The visit was covered by the plan.', 'resolved', 'client',
    i.bill_to_name, cn.issued_on - 10 + time '09:30', cn.issued_on + time '15:00', 'credit_note', cn.id,
    cn.issued_on + time '15:00'
FROM bench b JOIN billing_creditnote cn ON cn.tenant_id = b.tenant JOIN billing_invoice i ON i.id = cn.invoice_id;
INSERT INTO billing_dispute (tenant_id, invoice_id, amount, amount_at_stake, reason, status, opened_by, actor,
    opened_at, resolved_at, resolution, credit_note_id, last_activity_at)
SELECT i.tenant_id, i.id, NULL, i.total, 'Why is the rider billed twice?',
    CASE WHEN (i.id / 40) %% 4 = 0 THEN 'withdrawn' ELSE 'resolved' END, 'client', i.bill_to_name,
    i.issued_on + time '11:00' + interval '3 days', i.issued_on + time '16:00' + interval '8 days',
    CASE WHEN (i.id / 40) %% 4 = 0 THEN 'withdrawn' ELSE 'explanation_accepted' END, NULL,
    i.issued_on + time '16:00' + interval '8 days'
FROM bench b JOIN billing_invoice i ON i.tenant_id = b.tenant AND i.status = 'paid' AND i.id %% 40 = 21
    AND i.issued_on < b.today - 30 AND NOT EXISTS (SELECT 1 FROM billing_creditnote cn WHERE cn.invoice_id = i.id);
-- Their threads: the client's message, and for those past it staff's explanation and the closing note
INSERT INTO billing_disputemessage (tenant_id, dispute_id, party, kind, body, author, actor, at)
SELECT d.tenant_id, d.id, m.party, m.kind, m.body, m.author, m.author, d.opened_at + m.after
FROM bench b JOIN billing_dispute d ON d.tenant_id = b.tenant
CROSS JOIN LATERAL (VALUES (1, 'client', 'message', d.reason, d.actor, interval '0'),
                           (2, 'staff', 'explanation', 'The rider is billed once; the second line is the '
                               || 'previous period''s proration.', 'Staff 0', interval '1 day'),
                           (3, 'staff', 'closing', 'Settled, thank you.', 'Staff 0', interval '2 days')) AS
    m(step, party, kind, body, author, after)
WHERE m.step = 1 OR (m.step = 2 AND d.status <> 'open') OR (m.step = 3 AND d.resolved_at IS NOT NULL);

-- Tickets: twelve resolved per client over three years, two time entries each
INSERT INTO service_levels_businesscalendar (tenant_id, name, timezone, weekly_hours, holiday_country,
    holiday_subdivision, created_at, updated_at)
SELECT tenant, '24/7', 'UTC', '{"0": [["00:00", "00:00"]], "1": [["00:00", "00:00"]], "2": [["00:00", "00:00"]],
    "3": [["00:00", "00:00"]], "4": [["00:00", "00:00"]], "5": [["00:00", "00:00"]], "6": [["00:00", "00:00"]]}',
    '', '', now(), now()
FROM bench;
INSERT INTO tickets_ticket (tenant_id, number, client_id, title, description, impact, urgency, priority, work_location,
    channel, status, sla_policy_name, sla_reasons, sla_pause_statuses, created_at, updated_at, resolved_at, assignee_id)
SELECT b.tenant, (c.n - 1) * 13 + k, c.id, 'Bench ticket ' || c.n || '-' || k, '', 'medium', 'medium',
    (ARRAY['P1', 'P2', 'P3', 'P4'])[1 + (c.n + k) %% 4], 'remote', 'staff', 'resolved', 'Bench', '[]', '[]',
    now() - (k * 90 + c.n %% 60) * interval '1 day', now(), now() - (k * 90 + c.n %% 60 - 1) * interval '1 day',
    (SELECT id FROM techs WHERE techs.slot = (c.n + k) %% 4)
FROM bench b JOIN numbered c ON true CROSS JOIN generate_series(1, 12) AS k;
INSERT INTO tickets_timeentry (tenant_id, ticket_id, technician_id, work_type, minutes, location, notes, worked_on,
    cost_rate, covered, coverage_reason, bill_rate, after_hours, rate_multiplier, created_at)
SELECT t.tenant_id, t.id, t.assignee_id, CASE WHEN covered THEN 'remote_support' ELSE 'installation' END,
    15 + (t.id * 7 + e * 11) %% 166, 'remote', '', (t.created_at AT TIME ZONE 'America/New_York')::date, 45, covered,
    CASE WHEN covered THEN 'Covered by the agreement.' ELSE 'Billable by the agreement.' END,
    CASE WHEN covered THEN 0 ELSE 120 END, false, 1, now()
FROM bench b JOIN tickets_ticket t ON t.tenant_id = b.tenant CROSS JOIN generate_series(1, 2) AS e
CROSS JOIN LATERAL (SELECT (t.id + e) %% 3 = 0 AS covered) f;
-- One client in eight has an open ticket with a running first-response clock: on track, warning or breached
INSERT INTO tickets_ticket (tenant_id, number, client_id, title, description, impact, urgency, priority, work_location,
    channel, status, sla_policy_name, sla_reasons, sla_pause_statuses, created_at, updated_at)
SELECT b.tenant, (c.n - 1) * 13 + 13, c.id, 'Open bench ticket ' || c.n, '', 'high', 'high',
    (ARRAY['P1', 'P2', 'P3'])[1 + c.n %% 3], 'remote', 'staff', 'new', 'Bench', '[]', '[]',
    now() - interval '3 hours', now()
FROM bench b JOIN numbered c ON c.n %% 8 = 0;
INSERT INTO tickets_slaclock (tenant_id, ticket_id, metric, target_minutes, calendar_id, warn_percent, policy_name,
    reason, state, started_at, pauses, due_at, warn_at, warned_at, breached_at)
SELECT t.tenant_id, t.id, 'first_response', 240, cal.id, 75, 'Bench', '', 'running', t.created_at, '[]',
    t.created_at + d.hours * interval '1 hour', t.created_at + d.hours * 0.75 * interval '1 hour',
    CASE WHEN d.hours <= 3.5 THEN now() END, CASE WHEN d.hours <= 3 THEN now() END
FROM bench b JOIN tickets_ticket t ON t.tenant_id = b.tenant AND t.status = 'new'
JOIN service_levels_businesscalendar cal ON cal.tenant_id = b.tenant
CROSS JOIN LATERAL (SELECT 2 + (t.number %% 5) AS hours) d;
INSERT INTO tickets_slabreach (tenant_id, clock_id, ticket_id, metric, due_at, recorded_at, reason)
SELECT tenant_id, id, ticket_id, metric, due_at, breached_at, '' FROM tickets_slaclock
WHERE breached_at IS NOT NULL AND tenant_id = (SELECT tenant FROM bench);
"""


def seed(slug: str, clients: int) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(as_worker())
        cursor.execute(SEED, {"slug": slug, "name": f"Bench {clients} clients", "clients": clients})
        cursor.execute(as_web())


def settle() -> None:
    """VACUUM ANALYZE what was loaded, as autovacuum does to a live database: without statistics the
    planner guesses, and without the visibility map no index-only scan is worth it. Without this the
    figures depend on whether autovacuum happened to pass during the run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def counts(slug: str) -> str:
    from django.db import connection

    tables = [
        "clients_client",
        "memberships_subscriptionphase",
        "billing_invoice",
        "billing_invoiceline",
        "billing_payment",
        "billing_creditnote",
        "billing_dispute",
        "tickets_ticket",
        "tickets_timeentry",
    ]
    with connection.cursor() as cursor:
        cursor.execute(as_worker())
        found = []
        for table in tables:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE tenant_id = (SELECT id FROM tenants_tenant WHERE slug = %s)",
                [slug],
            )
            found.append(f"{cursor.fetchone()[0]:,} {table.split('_', 1)[1]}")
        cursor.execute(as_web())
    return ", ".join(found)


def measure(browser, url: str) -> tuple[list[float], int, int]:
    """(milliseconds of each request, queries of the last one, its status)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(WARMUP):
        response = browser.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
    times = []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = browser.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - started) * 1000)
    return times, len(queries), response.status_code


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[18] if len(times) >= 2 else times[0]


def run() -> None:
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User

    started = time.perf_counter()
    for slug, size in (("bench-small", SMALL), ("bench-large", LARGE)):
        seed(slug, size)
        print(f"{slug}: {counts(slug)}", flush=True)
    settle()
    print(
        f"seeded in {time.perf_counter() - started:.1f} s; {REPEAT} requests per page after {WARMUP} warm-up\n"
    )

    browsers = {}
    for slug in ("bench-small", "bench-large"):
        browser = Client()
        browser.force_login(User.objects.get(email=f"staff0@{slug}.example"))
        browsers[slug] = browser

    print(f"{'page':<34} {'clients':>7} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  status")
    summary = []
    for name, args, query in PAGES:
        label = name + (f"?{query}" if query else "")
        results = {}
        for slug, size in (("bench-small", SMALL), ("bench-large", LARGE)):
            try:
                url = reverse(name, args=[arg(slug) if callable(arg) else arg for arg in args])
            except NoReverseMatch:
                break
            url += f"?{query}" if query else ""
            times, queries, status = measure(browsers[slug], url)
            results[slug] = (statistics.median(times), p95(times), queries, status)
            verdict = "" if status == 200 else f"  HTTP {status}!"
            print(
                f"{name:<34} {size:>7,} {results[slug][0]:>8.1f} {results[slug][1]:>8.1f} {queries:>8}  "
                f"{status}{verdict}",
                flush=True,
            )
        if not results:
            print(f"{name:<34} not on this branch: skipped")
            continue
        summary.append((label, name, results["bench-small"], results["bench-large"]))
    print_summary(summary)


def print_summary(summary) -> None:
    """One line per page, the worst ratio of the p50s last."""
    width = max(len(label) for label, *_ in summary) if summary else 10
    print(
        f"\n{'page':<{width}}  {'p50 / p95 ms at ' + format(SMALL, ','):>22}  {'at ' + format(LARGE, ','):>15}  "
        f"{'ratio':>6}  {'queries':>11}  target {TARGET_MS} ms"
    )
    failed = []
    for label, name, small, large in sorted(summary, key=lambda page: page[3][0] / page[2][0]):
        small_p50, small_p95, small_q, small_status = small
        large_p50, large_p95, large_q, large_status = large
        met = large_p50 <= TARGET_MS and 200 == small_status == large_status
        queries = f"{small_q} = {large_q}" if small_q == large_q else f"{small_q} ≠ {large_q}"
        if small_q != large_q and name not in GROWS_WITH_ROWS:
            failed.append(f"{label}: queries grow with the clients ({small_q} vs {large_q})")
        note = " (a file of every row: grows by design)" if name in GROWS_WITH_ROWS else ""
        if not met:
            failed.append(
                f"{label}: p50 {large_p50:.0f} ms at {LARGE:,} clients"
                if large_status == 200
                else f"{label}: HTTP {small_status} / {large_status}"
            )
        print(
            f"{label:<{width}}  {small_p50:>10.1f} / {small_p95:>7.1f}  {large_p50:>6.1f} / {large_p95:>6.1f}  "
            f"{large_p50 / small_p50:>5.2f}×  {queries:>11}  {'met' if met else 'NOT met'}{note}"
        )
    print(f"\nratio: p50 at {LARGE:,} clients over p50 at {SMALL} ({LARGE // SMALL}× the clients)")
    for problem in failed:
        print(f"  ! {problem}")


def main() -> None:
    django.setup()
    from django.conf import settings

    # Production serves hashed names from collectstatic's manifest, which a checkout does not have;
    # plain static URLs render the same pages at the same cost.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with scratch_database("bench_revenue"):
        run()


if __name__ == "__main__":
    main()
