"""The SLA compliance roll-up: each tenant's clocks counted per day, so a 90-day report reads a few hundred
rows instead of every clock of the period (issue 18: 160,000 clocks at a million tickets).

- ``ComplianceDay``: for one tenant-local day (the day the clocks started, i.e. their tickets were opened),
  met / breached / pending counts per metric, priority, client and technician (four groupings of the same
  clocks, so each adds up to the day's whole).
- ``ComplianceChange``: written by PostgreSQL triggers (migrations 0002, 0003) whenever a clock is added,
  removed or decided, or a ticket changes client, assignee, priority or opening time: the start of the
  clocks touched.
  A day with a change not yet rolled up is counted live from the clocks. Triggers, not services, so no
  write path (the sweeper's SQL, imports, a bulk load) can leave a day stale without saying so.
- ``ComplianceRollup``: per tenant, the days rolled up and the time zone they were cut in.

``reports.rollup`` keeps them (Celery beat, every minute) and reads them together with the live days.
"""

from django.db import models

from tenants.models import TenantOwned, tenant_key

DIMENSIONS = ("metric", "priority", "client", "technician")


class ComplianceDay(TenantOwned):
    tenant = tenant_key(db_index=False)  # the unique key leads with the tenant
    day = models.DateField()
    dimension = models.CharField(max_length=10, choices=[(d, d) for d in DIMENSIONS])
    key = models.CharField(max_length=40, blank=True, help_text="Metric, priority, client id or assignee id.")
    met = models.PositiveIntegerField(default=0)
    breached = models.PositiveIntegerField(default=0)
    pending = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            # Also the report's index: a period's days of one grouping, counts included (index-only).
            models.UniqueConstraint(
                fields=["tenant", "dimension", "day", "key"],
                include=["met", "breached", "pending"],
                name="compliance_day_key",
            ),
        ]


class ComplianceChange(TenantOwned):
    # No foreign-key check per row: the triggers copy the tenant of a row that has one, and the marks live
    # a minute.
    tenant = tenant_key(db_index=False, db_constraint=False)
    id = models.BigAutoField(primary_key=True)
    started_at = models.DateTimeField(help_text="When the changed clocks started (their tickets opened).")

    class Meta:
        constraints = [*TenantOwned.Meta.constraints]
        indexes = [models.Index(fields=["tenant", "started_at"], name="compliance_change_idx")]


class ComplianceRollup(TenantOwned):
    tenant = tenant_key(db_index=False)
    first_day = models.DateField()
    last_day = models.DateField()
    timezone = models.CharField(max_length=64)
    rolled_up_at = models.DateTimeField()

    class Meta:
        constraints = [
            *TenantOwned.Meta.constraints,
            models.UniqueConstraint(fields=["tenant"], name="compliance_rollup_tenant_key"),
        ]
