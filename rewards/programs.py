"""The rewards programs and the run that grants what each has due.

Each program's module registers a runner in ``RewardsConfig.ready()``::

    register_program(Program.UTILIZATION, grant_utilization_rewards)

A runner is ``runner(on: date) -> list[Reward]``: called inside one tenant's scope, it grants every
reward of its program whose occasion has come by ``on`` (the tenant's date) and returns the rewards it
created this time. It must be idempotent (it grants through ``rewards.services.grant_reward``), and it
catches up: a run missed for a few days grants on the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from rewards.models import Program, Reward
from tenants.localtime import tenant_today
from tenants.models import Tenant
from tenants.scope import cross_tenant, tenant_scope

Runner = Callable[[date], list[Reward]]
_runners: dict[str, Runner] = {}


def register_program(program: str, runner: Runner) -> None:
    if program not in Program.values:
        raise ValueError(f"{program!r} is not a rewards program")
    _runners[program] = runner


def registered_programs() -> list[str]:
    """The programs with a runner, in the order ``Program`` lists them."""
    return [program for program in Program.values if program in _runners]


@dataclass
class TenantRewardsRun:
    tenant: Tenant
    on: date
    granted: list[Reward] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (program, error)


def run_programs_due(on: date | None = None, *, programs: list[str] | None = None) -> TenantRewardsRun:
    """Every program's grants due by ``on`` (default: the tenant's today) in the current tenant. Each
    program runs in its own transaction, so one that fails keeps nothing half-done and stops no other."""
    from tenants.scope import current_tenant

    tenant = current_tenant()
    run = TenantRewardsRun(tenant=tenant, on=on or tenant_today(tenant))
    for program in programs or registered_programs():
        try:
            with transaction.atomic():
                run.granted.extend(_runners[program](run.on))
        except Exception as error:  # reported per program; the others still run
            run.failures.append((program, f"{type(error).__name__}: {error}"))
    return run


def run_rewards(*, on: date | None = None, tenant: Tenant | None = None) -> list[TenantRewardsRun]:
    """The rewards run for one tenant or every active one, each on its own today unless ``on`` is given."""
    if tenant is None:
        with cross_tenant("list the active tenants for the rewards run"):
            tenants = list(Tenant.objects.filter(is_active=True).order_by("pk"))
    else:
        tenants = [tenant]
    runs = []
    for each in tenants:
        with tenant_scope(each):
            runs.append(run_programs_due(on or tenant_today(each)))
    return runs
