"""/healthz: 200 with each check's result when all pass, 503 naming the ones that failed. JSON only, no
login, no tenant, never cached, not rate-limited (load balancers and docker-compose poll it)."""

from __future__ import annotations

import asyncio

from django.http import JsonResponse
from health_check.views import HealthCheckView

from health.checks import ALL, GROUPS


def report(results: dict) -> tuple[dict, int]:
    """{name: HealthCheckResult} as the JSON body and its status."""
    checks = {
        name: {"ok": result.error is None, **({"error": result.error.message} if result.error else {})}
        for name, result in results.items()
    }
    healthy = all(check["ok"] for check in checks.values())
    body = {"status": "ok" if healthy else "failing", "checks": checks}
    return body, 200 if healthy else 503


async def run_checks(names: list[str]) -> dict:
    checks = [ALL[name]() for name in names]
    results = await asyncio.gather(*(check.get_result(None) for check in checks))
    return dict(zip(names, results, strict=True))


class HealthView(HealthCheckView):
    group = "all"

    async def get(self, request, *args, **kwargs):
        body, status = report(await run_checks(GROUPS[self.group]))
        return JsonResponse(body, status=status)
