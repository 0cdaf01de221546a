"""How long a 10,000-row client import takes, from the bytes of the file to the committed rows.

In a scratch database `<app db>_bench_imports`, for a fresh company:
1. builds a 10,000-row CSV in Accord's layout (BENCH_IMPORT_ROWS), each row a client with its managed
   endpoints, a contact and a site (about 1.5 MB);
2. times reading and checking it (``imports.services.upload``: the preview) and importing it
   (``imports.services.import_now``, what the worker runs, in one transaction), and counts the progress
   reports the page would poll;
3. as the baseline, in the same run and for another company: the bare ``bulk_create`` of the same
   numbers of clients, contacts and sites, with no reading, checking or events (the floor for these
   rows in this database), and the same import of a tenth of the rows (is the time linear in rows?);
4. checks the acceptance case on the side: a file with three bad rows names each and imports nothing.

Prints figures and ratios; the 60 s target is said, not asserted.
"""

import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("ACCORD_TESTING", "0")

import django

from bench.scratch import scratch_database

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "10000"))
TARGET_S = 60
HEADER = "client_name,client_email,client_phone,managed_endpoints,contact_name,contact_email,contact_job_title,address_line1,city,region,postal_code\n"


def csv_of(rows: int, prefix: str = "Client") -> bytes:
    lines = [HEADER]
    for n in range(rows):
        lines.append(
            f"{prefix} {n:05d} LLC,office{n}@client{n}.example,+1 212 555 {n % 10000:04d},{5 + n % 200},"
            f"Contact {n},person{n}@client{n}.example,Office manager,{n} Main Street,Springfield,IL,627{n % 100:02d}\n"
        )
    return "".join(lines).encode("utf-8")


def timed(label: str, work):
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    print(f"  {label:<46} {seconds:8.2f} s", flush=True)
    return result, seconds


def import_file(tenant, data: bytes, label: str):
    from imports import services
    from tenants.scope import tenant_scope

    with tenant_scope(tenant):
        (job, checked), check_s = timed(f"{label}: read and check (preview)", lambda: services.upload(data))
    reports = []

    def progress(done, total):
        reports.append((time.perf_counter(), done, total))

    def run():
        with tenant_scope(tenant):
            return services.import_now(job, on_progress=progress)

    summary, import_s = timed(f"{label}: import (one transaction)", run)
    return job, checked, summary, check_s, import_s, reports


def bare_floor(tenant, rows: int) -> float:
    from clients.models import Client, Contact, Site
    from tenants.scope import tenant_scope

    def run():
        with tenant_scope(tenant):
            clients = Client.objects.bulk_create(
                [Client(tenant=tenant, name=f"Floor {n}", managed_endpoints=5) for n in range(rows)],
                batch_size=500,
            )
            Contact.objects.bulk_create(
                [Contact(tenant=tenant, client=c, full_name="Someone", email="a@b.example") for c in clients],
                batch_size=500,
            )
            Site.objects.bulk_create(
                [
                    Site(
                        tenant=tenant,
                        client=c,
                        name="Main",
                        address_line1="1 Main St",
                        city="Springfield",
                        timezone="America/Chicago",
                    )
                    for c in clients
                ],
                batch_size=500,
            )

    _, seconds = timed(f"baseline: bare bulk_create of {rows:,} × 3 rows", run)
    return seconds


def run() -> None:
    from clients.models import Client
    from imports import services
    from tenants.models import Tenant
    from tenants.scope import tenant_scope

    tenant = Tenant.objects.create(name="Bench Imports", slug="bench-imports", timezone="America/Chicago")
    floor_tenant = Tenant.objects.create(name="Bench Floor", slug="bench-floor", timezone="America/Chicago")
    tenth_tenant = Tenant.objects.create(name="Bench Tenth", slug="bench-tenth", timezone="America/Chicago")
    data = csv_of(ROWS)
    print(f"file: {ROWS:,} rows, {len(data) / 1_048_576:.2f} MB", flush=True)
    # Other work on the machine slows every figure alike; the ratios to the floor measured beside them hold.
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)

    floor_s = bare_floor(floor_tenant, ROWS)
    *_, tenth_check_s, tenth_import_s, _ = import_file(
        tenth_tenant, csv_of(ROWS // 10), f"{ROWS // 10:,} rows"
    )
    _job, checked, summary, check_s, import_s, reports = import_file(tenant, data, f"{ROWS:,} rows")
    total_s = check_s + import_s
    with tenant_scope(tenant):
        stored = Client.objects.count()

    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(reports)]
    print(f"\nimported: {summary['clients']['created']:,} clients, {summary['contacts']['created']:,} contacts, "
          f"{summary['sites']['created']:,} sites ({stored:,} clients stored); problems: {checked.problem_count}")  # fmt: skip
    print(f"progress: {len(reports)} reports ({reports[0][1]:,} of {reports[0][2]:,} rows first), "
          f"longest gap between two {max(gaps, default=0):.2f} s")  # fmt: skip
    print(f"total (preview + import): {total_s:.2f} s for {ROWS:,} rows = {1000 * total_s / ROWS:.2f} ms a row; "
          f"target under {TARGET_S} s: {'met' if total_s < TARGET_S else 'MISSED'}")  # fmt: skip
    print(f"ratio: import / bare bulk_create floor = {import_s / floor_s:.1f}×; "
          f"(preview + import) / floor = {total_s / floor_s:.1f}×")  # fmt: skip
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    tenth_total = tenth_check_s + tenth_import_s
    print(
        f"ratio: {ROWS:,} rows / {ROWS // 10:,} rows = {total_s / tenth_total:.1f}× (10× the rows; 10 is linear)"
    )

    bad = (
        b"client_name,contact_name,contact_email,managed_endpoints\n"
        b"Fine Co,Ann,ann@fine.example,3\nBad Co,Bob,bob@,4\n,Cat,cat@x.example,5\nOdd Co,Dan,dan@odd.example,ten\n"
    )
    with tenant_scope(tenth_tenant):
        before = Client.objects.count()
        bad_job, bad_checked = services.upload(bad)
        try:
            services.start(bad_job, skip_invalid=False)
            refused = False
        except services.ImportRefused:
            refused = True
        after = Client.objects.count()
    print(f"\nthree bad rows: refused={refused}, clients before/after {before}/{after}")
    for problem in bad_checked.problems:
        print(f"  {problem}")


def main() -> None:
    django.setup()
    with scratch_database("bench_imports"):
        run()


if __name__ == "__main__":
    main()
