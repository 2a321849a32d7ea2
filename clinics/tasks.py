"""Background imports (django-tasks, run by ``manage.py db_worker``).

A job beats (``ImportJob.heartbeat_at``) while it runs, so that a job whose worker died is seen as failed
(``clinics.services.fail_stale_import_jobs``) and can be retried from its page instead of staying
"importing" for ever.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from clinics.models import ImportJob
from clinics.services import fail_stale_import_jobs
from core import dataio

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 2000


def job_path(job: ImportJob) -> Path:
    return job.stored_path


class Heartbeat:
    """The job's heartbeat and progress, written from a thread of its own.

    Used as the import's progress callback: it records the count, and the thread writes it with the
    heartbeat every IMPORT_JOB_HEARTBEAT_EVERY seconds. A thread has its own database connection, so its
    writes commit at once instead of inside the import's transaction (where nobody would see them until
    the end), and it keeps beating while the file is parsed in the child process or rows are written in
    bulk, when no progress is reported. Only while the job is still in ``state``.

    SQLite has a single writer: a write from another connection while the import's transaction is open
    would make the import's own first write fail ("database is locked"), so there the beats pause while
    that transaction is open (IMPORT_JOB_STALE_AFTER must then exceed the longest import's transaction;
    PostgreSQL, the production database, beats throughout)."""

    def __init__(self, job_id: int, state: str):
        self._main = connections[DEFAULT_DB_ALIAS]  # the importing thread's connection
        self.job_id = job_id
        self.state = state
        self.processed: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-job-{job_id}-heartbeat", daemon=True)

    def __call__(self, processed: int) -> None:
        self.processed = processed

    def start(self) -> bool:
        """The first beat (from the caller's thread): False when the job is no longer in ``state``."""
        started = ImportJob.objects.filter(pk=self.job_id, state=self.state).update(
            heartbeat_at=timezone.now(), processed_rows=0
        )
        if started:
            self._thread.start()
        return bool(started)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._stop.wait(settings.IMPORT_JOB_HEARTBEAT_EVERY):
                self.beat()
        finally:
            connections.close_all()  # this thread's connections

    def beat(self) -> None:
        if self._main.vendor == "sqlite" and self._main.in_atomic_block:
            return
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if self.processed is not None:
            fields["processed_rows"] = self.processed
        try:
            ImportJob.objects.filter(pk=self.job_id, state=self.state).update(**fields)
        except DatabaseError:  # e.g. SQLite locked by the import's own writes: beat again next time
            logger.warning("import job %s: heartbeat not written", self.job_id, exc_info=True)


def _store(job: ImportJob, report: dataio.ImportReport, state: str) -> None:
    job.report = {
        "file_error": report.file_error,
        "new": report.new,
        "updated": report.updated,
        "errors": [asdict(e) for e in report.errors[:2000]],
        "error_count": len(report.errors),
        "warnings": [asdict(w) for w in report.warnings[:500]],
    }
    job.total_rows = report.total_rows
    job.processed_rows = report.total_rows
    job.state = state
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["report", "total_rows", "processed_rows", "state", "heartbeat_at"])


def _fail(job_id: int, phase: str) -> None:
    ImportJob.objects.filter(pk=job_id, state=phase).update(
        state=ImportJob.State.FAILED, failed_phase=phase, failure=ImportJob.Failure.ERROR
    )


@task()
def check_import_job(job_id: int) -> None:
    fail_stale_import_jobs(now=timezone.now())
    heartbeat = Heartbeat(job_id, ImportJob.State.CHECKING)
    if not heartbeat.start():
        return  # failed meanwhile, or already checked: nothing to do
    try:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        report = dataio.run_import(
            resource_name=job.resource,
            data=job_path(job).read_bytes(),
            filename=job.stored_file,
            user=job.created_by,
            dry_run=True,
            progress=heartbeat,
        )
        heartbeat.stop()
        _store(job, report, ImportJob.State.CHECKED if report.ok else ImportJob.State.INVALID)
    except Exception:
        heartbeat.stop()
        logger.exception("import job %s: check failed", job_id)
        _fail(job_id, ImportJob.State.CHECKING)
        raise


@task()
def run_import_job(job_id: int) -> None:
    fail_stale_import_jobs(now=timezone.now())
    heartbeat = Heartbeat(job_id, ImportJob.State.IMPORTING)
    if not heartbeat.start():
        return
    try:
        job = ImportJob.objects.select_related("created_by").get(pk=job_id)
        data = job_path(job).read_bytes()
        try:  # parsed before the transaction opens (it takes a while, and beats go on meanwhile)
            dataset = dataio.read_dataset(data, job.stored_file)
        except dataio.ImportFileError:
            dataset = None  # run_import reports it
        # The rows and the job's "done" commit together: a worker that dies in between leaves neither.
        with transaction.atomic():
            report = dataio.run_import(
                resource_name=job.resource,
                data=data,
                filename=job.stored_file,
                user=job.created_by,
                dry_run=False,
                progress=heartbeat,
                dataset=dataset,
                source=_("后台导入 #%(job)s：%(file)s") % {"job": job.pk, "file": job.filename},
            )
            heartbeat.stop()
            _store(job, report, ImportJob.State.DONE if report.committed else ImportJob.State.INVALID)
    except Exception:
        heartbeat.stop()
        logger.exception("import job %s: import failed", job_id)
        _fail(job_id, ImportJob.State.IMPORTING)
        raise
    if report.committed:
        job_path(job).unlink(missing_ok=True)
