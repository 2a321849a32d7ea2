"""Background import jobs recover: a job whose worker died is shown as failed and can be retried."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinics.models import ImportJob
from clinics.services import fail_stale_import_jobs
from programs.models import ServiceItem, ServiceReport, ServiceReportLine
from programs.resources.reports import ServiceReportResource
from tests.clinics.rawxlsx import table

HEADERS = ["卫生室编码", "项目编码", "年度", "月份", "申报数"]
ROOT = Path(__file__).resolve().parents[2]


def report_rows(count: int, clinics=("A1a", "A1b")) -> list[list]:
    """``count`` distinct service-count rows for the clinics (default A1a / A1b of township A1), in past years
    only (a report for a month that has not ended is refused)."""
    codes = list(ServiceItem.objects.filter(active=True).order_by("sort_order").values_list("code", flat=True))
    rows = []
    for year in range(2001, timezone.localdate().year):
        for month in range(1, 13):
            for clinic in clinics:
                for code in codes:
                    rows.append([clinic, code, year, month, 1])
                    if len(rows) == count:
                        return [HEADERS, *rows]
    raise AssertionError("not enough distinct rows")


def stored_job(org, *, rows: int = 9, **fields) -> ImportJob:
    token = f"{time.time_ns()}.xlsx"
    folder = Path(django_settings.MEDIA_ROOT) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / token).write_bytes(table(report_rows(rows)))
    return ImportJob.objects.create(
        resource="service_reports",
        filename="big.xlsx",
        stored_file=token,
        created_by=org.users.township,
        total_rows=rows,
        **fields,
    )


def test_a_running_job_without_a_recent_heartbeat_is_failed(org, settings):
    settings.IMPORT_JOB_STALE_AFTER = 120
    now = timezone.now()
    old, recent = now - timedelta(seconds=121), now - timedelta(seconds=30)
    lost_check = stored_job(org, state="checking", heartbeat_at=old)
    lost_import = stored_job(org, state="importing", heartbeat_at=old)
    alive = stored_job(org, state="importing", heartbeat_at=recent)
    queued = stored_job(org, state="checking", heartbeat_at=None)  # waiting for a worker: not lost
    checked = stored_job(org, state="checked", heartbeat_at=old)
    assert fail_stale_import_jobs(now=now) == 2
    states = {job.pk: (job.state, job.failed_phase, job.failure) for job in ImportJob.objects.all()}
    assert states[lost_check.pk] == ("failed", "checking", "interrupted")
    assert states[lost_import.pk] == ("failed", "importing", "interrupted")
    assert states[alive.pk][0] == "importing" and states[queued.pk][0] == "checking"
    assert states[checked.pk][0] == "checked"


def test_the_job_page_shows_the_failure_and_retry_runs_the_import_again(org, client_for):
    job = stored_job(org, rows=9, state="importing", heartbeat_at=timezone.now() - timedelta(hours=1), processed_rows=4)
    client = client_for(org.users.township)
    url = reverse("data:job", args=[job.pk])
    assert client.get(url, {"format": "json"}).json()["state"] == "failed"
    page = client.get(url).content.decode()
    assert "后台任务进程中断，未写入任何数据，可重新导入" in page and "重新导入" in page
    assert not ServiceReportLine.objects.exists()
    response = client.post(url, {"action": "retry"})
    assert response.status_code == 302
    job.refresh_from_db()  # tests run tasks at once: the import ran again, from the stored file
    assert (job.state, job.failure, job.failed_phase, job.processed_rows) == ("done", "", "", 9)
    assert ServiceReportLine.objects.count() == 9


def test_a_job_that_failed_while_checking_is_checked_again(org, client_for):
    job = stored_job(org, rows=9, state="checking", heartbeat_at=timezone.now() - timedelta(hours=1))
    client = client_for(org.users.township)
    client.post(reverse("data:job", args=[job.pk]), {"action": "retry"})
    job.refresh_from_db()
    assert job.state == "checked" and job.report["new"] == 9 and not ServiceReportLine.objects.exists()


def test_a_task_that_raises_leaves_a_failed_job_and_retry_explains_a_missing_file(org, client_for):
    from clinics.tasks import run_import_job

    job = stored_job(org, rows=9, state="importing")
    job.stored_path.unlink()
    run_import_job.enqueue(job.pk)  # reading the stored file raises
    job.refresh_from_db()
    assert (job.state, job.failure, job.failed_phase) == ("failed", "error", "importing")
    client = client_for(org.users.township)
    url = reverse("data:job", args=[job.pk])
    assert "后台任务出错，未写入任何数据，可重新导入" in client.get(url).content.decode()
    page = client.post(url, {"action": "retry"}, follow=True).content.decode()
    assert "上传的文件已不在服务器上，请重新上传" in page
    job.refresh_from_db()
    assert job.state == "failed"


def test_only_a_failed_job_is_retried(org, client_for):
    job = stored_job(org, rows=9, state="checked")
    client_for(org.users.township).post(reverse("data:job", args=[job.pk]), {"action": "retry"}, follow=True)
    job.refresh_from_db()
    assert job.state == "checked"
    # Somebody else cannot retry it.
    job.state = "failed"
    job.save()
    response = client_for(org.users.other_township).post(reverse("data:job", args=[job.pk]), {"action": "retry"})
    assert response.status_code == 404


# --------------------------------------------------------------------------- a real worker


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{credentials}@{host}/{db['NAME']}"


def _worker(*args: str) -> subprocess.Popen:
    """``manage.py db_worker`` in its own process, on this test's database and media folder. No --reload:
    the pid is the worker itself, not an autoreloader's parent."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "IMPORT_JOB_HEARTBEAT_EVERY": "0.2",
        "IMPORT_JOB_STALE_AFTER": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _wait_for(condition, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_a_failed_job_that_a_retry_completes(client_for, settings, monkeypatch):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the worker process needs the test database on disk: SQLite runs it in memory here "
            "(set a file as the test database NAME, or run on PostgreSQL)"
        )
    if connection.vendor not in ("sqlite", "postgresql"):
        pytest.skip(f"no worker test for {connection.vendor}")
    from tests.factories import build_org, make_clinic
    from tests.reference import ensure_service_catalogue

    # Not serialized_rollback: its flush leaves no content types behind for the next transactional test.
    ensure_service_catalogue()
    org = build_org()
    clinics = ["A1a", "A1b"] + [make_clinic(org.ta1, f"A1x{n}", f"测试{n}村卫生室").code for n in range(10)]
    count = 40_000
    monkeypatch.setattr(ServiceReportResource, "background_threshold", 5)
    client = client_for(org.users.township)
    upload = table(report_rows(count, clinics))
    from django.core.files.uploadedfile import SimpleUploadedFile

    # The check runs at once here (test settings); the import goes to the real worker through the database.
    client.post(reverse("data:import", args=["service_reports"]), {"file": SimpleUploadedFile("big.xlsx", upload)})
    job = ImportJob.objects.get()
    assert job.state == "checked", job.report
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_JOB_STALE_AFTER = 1
    url = reverse("data:job", args=[job.pk])
    client.post(url, {"action": "confirm"})

    worker = _worker()
    try:
        started = []

        def importing():
            job.refresh_from_db()
            if job.state not in ("importing", "done") or worker.poll() is not None:
                worker.kill()
                raise AssertionError((job.state, job.failure, worker.communicate()[1].decode()[-3000:]))
            if job.heartbeat_at is not None and not started:
                started.append(time.monotonic())
            # Under way: progress reported (PostgreSQL beats throughout; SQLite pauses beats while the
            # import's transaction is open, so there a second after the first beat will do).
            return job.processed_rows > 0 or bool(started and time.monotonic() - started[0] > 1)

        _wait_for(importing, seconds=180, what="the worker to start importing")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    job.refresh_from_db()
    assert job.state == "importing", "the import finished before the worker was killed: use a larger file"
    assert not ServiceReportLine.objects.exists() and not ServiceReport.objects.exists()

    time.sleep(1.5)  # past IMPORT_JOB_STALE_AFTER: viewing the page marks the job failed
    page = client.get(url).content.decode()
    job.refresh_from_db()
    assert (job.state, job.failure, job.failed_phase) == ("failed", "interrupted", "importing")
    assert "后台任务进程中断，未写入任何数据，可重新导入" in page and "重新导入" in page
    assert not ServiceReportLine.objects.exists()

    client.post(url, {"action": "retry"})
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.heartbeat_at) == ("importing", 0, None)
    worker = _worker("--batch")  # runs what is queued, then exits
    try:
        assert worker.wait(timeout=300) == 0, worker.stderr.read().decode()[-3000:]
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    job.refresh_from_db()
    assert job.state == "done", (job.state, job.report)
    assert ServiceReportLine.objects.count() == count and job.processed_rows == count
