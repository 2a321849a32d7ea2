"""Background imports (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django_tasks import task

from . import dataio
from .models import ImportJob

PROGRESS_EVERY = 2000


def job_path(job: ImportJob) -> Path:
    from .services import import_upload_dir

    return import_upload_dir() / job.stored_file


def _progress(job_id: int):
    def update(processed: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(processed_rows=processed)
    return update


def _store(job: ImportJob, report: dataio.ImportReport, state: str) -> None:
    job.report = {"file_error": report.file_error, "new": report.new, "updated": report.updated,
                  "errors": [asdict(e) for e in report.errors[:2000]], "error_count": len(report.errors),
                  "warnings": [asdict(w) for w in report.warnings[:500]]}
    job.total_rows = report.total_rows
    job.processed_rows = report.total_rows
    job.state = state
    job.save(update_fields=["report", "total_rows", "processed_rows", "state"])


@task()
def check_import_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    report = dataio.run_import(resource_name=job.resource, data=job_path(job).read_bytes(), filename=job.stored_file,
                               user=job.created_by, dry_run=True, progress=_progress(job_id))
    _store(job, report, ImportJob.State.CHECKED if report.ok else ImportJob.State.INVALID)


@task()
def run_import_job(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    report = dataio.run_import(resource_name=job.resource, data=job_path(job).read_bytes(), filename=job.stored_file,
                               user=job.created_by, dry_run=False, progress=_progress(job_id))
    _store(job, report, ImportJob.State.DONE if report.committed else ImportJob.State.INVALID)
    if report.committed:
        job_path(job).unlink(missing_ok=True)
