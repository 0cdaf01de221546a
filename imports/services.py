"""The import of clients, contacts and sites from a CSV file: check it (the preview), then import it.

- ``upload`` reads a file, checks every row and keeps it as an ``ImportJob`` to preview; nothing is
  imported. ``recheck`` reads it again in another layout or with another choice for existing clients.
- ``import_now`` checks again (the tenant's clients may have changed since the preview) and writes the
  rows with ``clients.bulk.write_directory`` in the caller's transaction: all or nothing. A file with
  problems imports nothing (``ImportRefused``) unless ``skip_invalid``: then its valid rows go in and the
  rows with problems are skipped, and listed.
- ``start`` imports a small file at once and queues a large one (``imports.tasks.run_import``), whose
  worker reports progress (``imports.progress``).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clients.bulk import write_directory
from imports import progress
from imports.checking import CheckedImport, check_table
from imports.layouts import AUTO, LAYOUTS, detect_layout, resolve_layout
from imports.models import ImportJob, ImportStatus, OnExisting
from imports.reading import Table, read_table
from tenants.scope import current_tenant

IMPORT_AT_ONCE = 500  # rows: more than this go to a worker, and the page shows their progress


class ImportRefused(Exception):
    """The file has problems and the caller did not ask to skip the rows that have them."""

    def __init__(self, checked: CheckedImport):
        self.checked = checked
        super().__init__(
            f"{len(checked.bad_rows)} row{'s' if len(checked.bad_rows) != 1 else ''} "
            "have problems: nothing was imported."
        )


def check_file(data: bytes, *, layout: str = AUTO) -> tuple[Table, CheckedImport, str]:
    """(table, check, detected layout key) for a file's bytes, in the current tenant; nothing is kept.
    Raises ``imports.reading.UnreadableFile`` for a file no row can be read from."""
    table = read_table(data)
    detected = detect_layout(table.headers).key
    checked = _check(table, layout)
    return table, checked, detected


def _check(table: Table, layout: str) -> CheckedImport:
    tenant = current_tenant()
    return check_table(
        table,
        resolve_layout(layout, table.headers),
        default_timezone=tenant.timezone,
        default_country=tenant.country,
    )


def _remember_check(job: ImportJob, checked: CheckedImport) -> None:
    job.layout = checked.layout.key
    job.total_rows = checked.row_count
    job.counts = checked.counts()
    job.problems = [problem.as_dict() for problem in checked.problems]


def upload(
    data: bytes,
    *,
    file_name: str = "",
    layout: str = AUTO,
    on_existing: str = OnExisting.UPDATE,
    created_by=None,
    created_by_label: str = "",
) -> tuple[ImportJob, CheckedImport]:
    """Read and check a file and keep it to preview (nothing imported). Raises ``UnreadableFile``."""
    table, checked, detected = check_file(data, layout=layout)
    job = ImportJob(
        tenant=current_tenant(),
        created_by=created_by,
        created_by_label=created_by_label,
        file_name=file_name[:255],
        csv_text=_as_csv(table),
        encoding=table.encoding,
        delimiter=table.delimiter,
        layout_detected=detected,
        on_existing=on_existing,
    )
    _remember_check(job, checked)
    job.save()
    return job, checked


def _as_csv(table: Table) -> str:
    """The rows as UTF-8 comma-separated text, blank rows kept in place so row numbers stay the file's."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    line = 1
    for number, values in zip(table.row_numbers, table.rows, strict=True):
        while line < number - 1:
            out.write("\n")
            line += 1
        writer.writerow(values)
        line += 1
    return out.getvalue()


def job_table(job: ImportJob) -> Table:
    return read_table(job.csv_text.encode("utf-8"))


def recheck(job: ImportJob, *, layout: str | None = None, on_existing: str | None = None) -> CheckedImport:
    """Check a previewed job's rows again, in ``layout`` if given; keeps the result on the job."""
    if layout is not None:
        job.layout = layout if layout in LAYOUTS else job.layout_detected
    if on_existing is not None:
        job.on_existing = on_existing
    checked = _check(job_table(job), job.layout)
    _remember_check(job, checked)
    job.save()
    return checked


def import_now(job: ImportJob, *, on_progress=None) -> dict:
    """Check the job's rows again and import them (see the module docstring); returns the summary."""
    checked = _check(job_table(job), job.layout)
    _remember_check(job, checked)
    if checked.problem_count and not job.skip_invalid:
        raise ImportRefused(checked)
    written = write_directory(
        checked.records,
        on_existing=job.on_existing,
        progress=on_progress or (lambda done, total: progress.advanced(job.pk, done, total)),
    )
    job.summary = {
        **written.as_dict(),
        "rows_imported": checked.valid_row_count,
        "rows_skipped": len(checked.bad_rows),
    }
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.csv_text = ""  # imported: the clients hold the data now
    job.save()
    return job.summary


def start(job: ImportJob, *, skip_invalid: bool, on_existing: str | None = None) -> ImportJob:
    """Import a previewed job: at once when small (``ImportRefused`` if it has problems and
    ``skip_invalid`` is not set), else queued for a worker after the current transaction commits."""
    if job.status != ImportStatus.PREVIEWED:
        return job  # already imported, or under way: a second click changes nothing
    job.skip_invalid = skip_invalid
    if on_existing is not None:
        job.on_existing = on_existing
    if job.total_rows <= IMPORT_AT_ONCE:
        job.started_at = timezone.now()
        try:
            with transaction.atomic():
                import_now(job)
        except ImportRefused as refused:
            back_to_preview(job, refused.checked)
            raise
        return job
    if job.counts.get("rows_with_errors") and not skip_invalid:
        raise ImportRefused(recheck(job))
    from imports.tasks import run_import  # the task module imports this one

    job.status = ImportStatus.QUEUED
    job.save()
    progress.advanced(job.pk, 0, job.total_rows)
    run_import.delay_on_commit(tenant_id=job.tenant_id, job_id=job.pk)
    return job


def back_to_preview(job: ImportJob, checked: CheckedImport) -> None:
    """An import refused for problems found at the last moment: the job shows them, as a preview."""
    _remember_check(job, checked)
    job.status = ImportStatus.PREVIEWED
    job.started_at = None
    job.save()


def mark_running(job: ImportJob) -> bool:
    """A worker takes a queued job (or a running one again, after a worker died: its writes were rolled
    back with it). False for a job that is finished already (a redelivered task)."""
    if job.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING):
        return False
    job.status = ImportStatus.RUNNING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])
    return True


def mark_failed(job: ImportJob, reason: str) -> None:
    """The import stopped: nothing of it was written (its transaction rolled back)."""
    job.status = ImportStatus.FAILED
    job.failure = reason
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "failure", "finished_at"])
