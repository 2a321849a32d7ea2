"""Uploaded import files: readable only within the uploader's scope, removed after the retention period;
and the shared protected-file helper."""

import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from clinics.models import ImportJob
from clinics.services import purge_old_import_files
from core.files import serve_protected_file
from tests.files import download_failures, file_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (tmp_path / "imports").mkdir()
    return tmp_path


def job(user, media, *, state=ImportJob.State.INVALID, content=None, age_days=0):
    token = f"{uuid.uuid4().hex}.xlsx"
    path = media / "imports" / token
    path.write_bytes(content or f"rows uploaded by {user.username}".encode())
    if age_days:
        old = time.time() - age_days * 86400
        os.utime(path, (old, old))
    return ImportJob.objects.create(
        resource="clinics", filename="村卫生室名单.xlsx", stored_file=token, created_by=user, state=state, total_rows=3
    )


@pytest.mark.parametrize(
    "uploader,allowed",
    [
        ("township", {"township", "county", "superuser"}),
        ("other_township", {"other_township", "county", "superuser"}),
        ("county", {"county", "superuser"}),  # township staff never read the county's own uploads
        ("other_county", {"other_county", "superuser"}),
    ],
)
def test_import_files_stay_within_the_uploaders_scope(org, client_for, media, uploader, allowed):
    item = job(getattr(org.users, uploader), media)
    content = (media / "imports" / item.stored_file).read_bytes()
    failures = download_failures(
        file_users(org), client_for, reverse("data:job_file", args=[item.pk]), content, allowed
    )
    assert not failures, "\n".join(failures)


def test_job_page_links_the_file_and_only_the_uploader_confirms(org, client_for, media):
    item = job(org.users.township, media, state=ImportJob.State.CHECKED)
    html = client_for(org.users.county).get(reverse("data:job", args=[item.pk])).content.decode()
    assert reverse("data:job_file", args=[item.pk]) in html and "确认导入" not in html
    denied = client_for(org.users.county).post(reverse("data:job", args=[item.pk]))
    assert denied.status_code == 302 and denied["Location"] == "/admin/"  # Wagtail's PermissionDenied
    item.refresh_from_db()
    assert item.state == ImportJob.State.CHECKED
    response = client_for(org.users.township).get(reverse("data:job_file", args=[item.pk]))
    assert f"filename*=utf-8''{quote('村卫生室名单.xlsx')}" in response["Content-Disposition"]


def test_purge_removes_old_import_files_only(org, media):
    old = job(org.users.township, media, age_days=10)
    busy = job(org.users.township, media, state=ImportJob.State.IMPORTING, age_days=10)
    fresh = job(org.users.township, media, age_days=1)
    preview = media / "imports" / f"{uuid.uuid4().hex}.csv"  # a preview never confirmed
    preview.write_bytes(b"a,b")
    stale = time.time() - 9 * 86400
    os.utime(preview, (stale, stale))
    assert purge_old_import_files(older_than=timedelta(days=7)) == 2
    left = {p.name for p in (media / "imports").iterdir()}
    assert left == {busy.stored_file, fresh.stored_file}
    assert old.stored_file not in left


def test_purged_job_file_is_404_and_cannot_be_confirmed(org, client_for, media, settings):
    item = job(org.users.township, media, state=ImportJob.State.CHECKED, age_days=30)
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    call_command("purge_import_files")
    client = client_for(org.users.township)
    assert client.get(reverse("data:job_file", args=[item.pk])).status_code == 404
    html = client.get(reverse("data:job", args=[item.pk])).content.decode()
    assert reverse("data:job_file", args=[item.pk]) not in html
    response = client.post(reverse("data:job", args=[item.pk]), follow=True)
    assert "超过保留期限" in response.content.decode()
    item.refresh_from_db()
    assert item.state == ImportJob.State.CHECKED


def test_purge_command_days_option(org, media, capsys):
    job(org.users.township, media, age_days=3)
    call_command("purge_import_files", "--days", "5")
    assert len(list((media / "imports").iterdir())) == 1
    call_command("purge_import_files", "--days", "2")
    assert not list((media / "imports").iterdir())
    assert "已删除 1 个" in capsys.readouterr().out


def test_retention_setting_exists(settings):
    assert settings.IMPORT_FILE_RETENTION_DAYS > 0


# --- the shared helper ---------------------------------------------------------------------------


def test_helper_streams_with_rfc5987_name_and_nosniff(media):
    (media / "statements").mkdir()
    (media / "statements" / "x.zip").write_bytes(b"PK zip")
    response = serve_protected_file(RequestFactory().get("/"), "statements/x.zip", "结算单.zip")
    assert b"".join(response.streaming_content) == b"PK zip"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('结算单.zip')}"
    assert response["Content-Type"] == "application/zip" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-cache"


def test_helper_hands_off_to_nginx_when_configured(media, settings):
    settings.PROTECTED_FILES_ACCEL_PREFIX = "/protected/"
    (media / "assessments").mkdir()
    (media / "assessments" / "照片.png").write_bytes(b"png")
    response = serve_protected_file(RequestFactory().get("/"), "assessments/照片.png", "照片.png", inline=True)
    assert response.content == b"" and response["X-Accel-Redirect"] == "/protected/assessments/" + quote("照片.png")
    assert response["Content-Disposition"].startswith("inline;") and response["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    "path", ["../secret.txt", "/etc/passwd", "imports/../../secret.txt", "", "imports", "imports/missing.xlsx"]
)
def test_helper_refuses_paths_outside_media_or_missing(media, path):
    Path(media).parent.joinpath("secret.txt").write_text("secret")
    with pytest.raises(Http404):
        serve_protected_file(RequestFactory().get("/"), path, "x.txt")
