"""Assessment evidence, statement ZIPs and statement PDFs follow their assessment's / settlement's scope,
as every role."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from subsidies.models import AssessmentEvidence, SettlementRun, StatementBatch
from tests.files import download_failures, file_users
from tests.subsidies.matrix_assessments import assessment, sheet
from tests.subsidies.matrix_settlement import line_a1a, policy, run_a1

pytestmark = pytest.mark.django_db

A1_STAFF = {"township", "county", "superuser"}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def evidence(org, *, status="submitted", content=b"%PDF-1.4 evidence"):
    from subsidies.models import Assessment

    if status == "submitted":
        target = Assessment.objects.get(pk=assessment(org)[0])
    else:
        target = Assessment.objects.create(
            clinic=org.ca1a,
            year=2026,
            quarter=2,
            sheet=sheet(org),
            status=status,
            assessor=org.users.township,
            assessed_on="2026-06-20",
        )
    return AssessmentEvidence.objects.create(
        assessment=target,
        file=ContentFile(content, name="现场照片.pdf"),
        description="现场检查照片",
        uploaded_by=org.users.township,
    )


@pytest.mark.parametrize(
    "status,admin_allowed,portal_allowed",
    [
        ("submitted", A1_STAFF, {"doctor"}),
        ("draft", A1_STAFF, set()),  # a draft assessment is not shown to the doctor yet
    ],
)
def test_evidence_follows_its_assessment(org, client_for, media, status, admin_allowed, portal_allowed):
    item = evidence(org, status=status)
    content = item.file.open("rb").read()
    users = file_users(org)
    failures = download_failures(
        users, client_for, reverse("assessments:evidence", args=[item.pk]), content, admin_allowed
    )
    failures += download_failures(
        users, client_for, reverse("portal_assessments:evidence", args=[item.pk]), content, portal_allowed
    )
    assert not failures, "\n".join(failures)


def test_evidence_pages_link_to_the_views_with_the_chinese_name(org, client_for, media):
    from urllib.parse import quote

    item = evidence(org)
    admin = client_for(org.users.township).get(reverse("assessments:edit", args=[item.assessment_id])).content.decode()
    assert reverse("assessments:evidence", args=[item.pk]) in admin and "/media/" not in admin
    portal = (
        client_for(org.users.doctor)
        .get(reverse("portal_assessments:detail", args=[item.assessment_id]))
        .content.decode()
    )
    assert reverse("portal_assessments:evidence", args=[item.pk]) in portal and "现场检查照片" in portal
    response = client_for(org.users.doctor).get(reverse("portal_assessments:evidence", args=[item.pk]))
    assert f"filename*=utf-8''{quote(item.download_name)}" in response["Content-Disposition"]
    assert item.download_name.startswith("现场照片")


def test_evidence_with_its_file_gone_is_404(org, client_for, media):
    item = evidence(org)
    item.file.storage.delete(item.file.name)
    assert client_for(org.users.township).get(reverse("assessments:evidence", args=[item.pk])).status_code == 404


def zip_batch(org, *, run, township, content):
    batch = StatementBatch.objects.create(
        run=run, township=township, created_by=org.users.county, state="done", total=1, done=1
    )
    folder = media_root() / "statements"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"batch-{batch.pk}.zip").write_bytes(content)
    StatementBatch.objects.filter(pk=batch.pk).update(file=f"batch-{batch.pk}.zip")
    batch.refresh_from_db()
    return batch


def media_root():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def test_statement_zips_follow_the_settlement(org, client_for, media):
    users = file_users(org)
    township_batch = zip_batch(org, run=run_a1(org), township=org.ta1, content=b"PK\x03\x04 township A1")
    county_run = SettlementRun.objects.create(
        county=org.county_a, township=None, year=2026, quarter=2, policy=policy(org), status="approved"
    )
    county_batch = zip_batch(org, run=county_run, township=None, content=b"PK\x03\x04 whole county")
    failures = []
    for batch, allowed in ((township_batch, A1_STAFF), (county_batch, {"county", "superuser"})):
        url = reverse("settlement:batch", args=[batch.pk]) + "?download=1"
        failures += download_failures(
            users, client_for, url, media_root().joinpath("statements", batch.file).read_bytes(), allowed
        )
    assert not failures, "\n".join(failures)


def test_statement_pdfs_follow_the_settlement(org, client_for, media):
    users = file_users(org)
    line = line_a1a(org)
    failures = download_failures(users, client_for, reverse("settlement:statement", args=line), None, A1_STAFF)
    failures += download_failures(
        users, client_for, reverse("portal_settlement:statement", args=line), None, {"doctor"}
    )
    assert not failures, "\n".join(failures)


def test_statement_batch_of_a_township_out_of_scope_is_404(org, client_for, media):
    from tests.factories import make_township

    far = make_township(org.county_b, "B9", "远方乡")
    response = client_for(org.users.county).get(
        reverse("settlement:statements", args=[run_a1(org).pk]), {"township": far.pk}
    )
    assert response.status_code == 404 and not StatementBatch.objects.exists()
