"""The settlement reads real data from the other apps (services, drugs, assessments, doctors)."""

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from programs.models import Quota, ServiceItem, ServiceReport, ServiceReportLine
from subsidies.models import Assessment, PolicyItem, ScoreSheet, SubsidyPolicy
from subsidies.services import settlement


@pytest.fixture
def year_data(org):
    item = ServiceItem.objects.get(code="PH09")
    policy = SubsidyPolicy.objects.create(county=org.county_a, year=2026, name="2026年村级补助", per_capita_rate=D("99"),
                                          village_share=D("0.4"), drug_amount=D("5"), quality_threshold=D("60"))
    PolicyItem.objects.create(policy=policy, item=item, unit_price=D("40"), work_points=D("15"))
    Quota.objects.create(clinic=org.ca1a, item=item, year=2026, target=120)
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=2, status="verified")
    ServiceReportLine.objects.create(report=report, item=item, declared_count=57, verified_count=51)
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="表")
    Assessment.objects.create(clinic=org.ca1a, year=2026, quarter=1, sheet=sheet, status="submitted",
                              total_score=D("85"), assessor=org.users.township, assessed_on=date(2026, 3, 30))
    return policy


def test_gather_inputs_reads_every_app(org, year_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        inputs = settlement.gather_inputs(county=org.county_a, year=2026, quarter=1)
    by_id = {i.clinic_id: i for i in inputs}
    assert set(by_id) == {org.ca1a.pk, org.ca1b.pk, org.ca2a.pk}  # county A only
    a1a = by_id[org.ca1a.pk]
    assert a1a.score == D("85.00") and a1a.population == 1000
    assert a1a.items["PH09"].verified == 51 and a1a.items["PH09"].declared == 57 and a1a.items["PH09"].quota == 120


def test_settle_command_prints_json(org, year_data, capsys):
    call_command("settle", "--year", "2026", "--quarter", "1", "--township", "A1", "--json")
    data = json.loads(capsys.readouterr().out)
    lines = {line["clinic"]: line for line in data["lines"]}
    # 51 verified ≤ cap 120 × 1.2 × 0.25 = 36 → 36 × 40 × 0.85 = 1,224.00; drug 5 × 1000 × 0.25 = 1,250.00
    assert lines["A1a"]["public_health"] == "1224.00" and lines["A1a"]["drug_subsidy"] == "1250.00"
    assert data["totals"]["balance"] == str(sum(D(x["balance"]) for x in data["lines"]))
    assert set(lines) == {"A1a", "A1b"}


def test_statements_command_writes_pdfs(org, year_data, tmp_path):
    import subprocess

    run = settlement.create_run(user=None, policy=year_data, year=2026, quarter=1)
    call_command("statements", str(run.pk), "--out", str(tmp_path))
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 3 and all(f.endswith(".pdf") for f in files)
    text = subprocess.run(["pdftotext", str(tmp_path / f"statement-{run.pk}-A1a.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "张庄村卫生室" in text and "1224.00" in text


def test_province_runs_read_once_and_match_county_runs(org, year_data, django_assert_max_num_queries):
    other = SubsidyPolicy.objects.create(county=org.county_b, year=2026, name="绿水县补助", per_capita_rate=D("99"),
                                         village_share=D("0.4"), drug_amount=D("7"))
    runs = settlement.create_province_runs(user=None, policies=[year_data, other], year=2026, quarter=1)
    assert [r.county for r in runs] == [org.county_a, org.county_b]
    single = settlement.create_run(user=None, policy=year_data, year=2026, quarter=1)
    assert runs[0].total_balance == single.total_balance
    assert list(runs[1].lines.values_list("clinic__code", flat=True)) == ["B1a"]


def test_township_statements_batch_in_the_background(org, year_data, client_for, settings, tmp_path):
    import io
    import zipfile

    from django.urls import reverse

    from subsidies.models import StatementBatch

    settings.MEDIA_ROOT = tmp_path
    run = settlement.create_run(user=None, policy=year_data, year=2026, quarter=1, township=org.ta1)
    client = client_for(org.users.township)
    response = client.get(reverse("settlement_statements", args=[run.pk]))
    batch = StatementBatch.objects.get()
    assert response["Location"] == reverse("settlement_batch", args=[batch.pk])
    assert client.get(reverse("settlement_batch", args=[batch.pk]), {"format": "json"}).json() == {
        "state": "done", "percent": 100, "done": 2, "total": 2}  # township A1's two clinics only
    download = client.get(reverse("settlement_batch", args=[batch.pk]), {"download": 1})
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert sorted(names) == [f"statement-{run.pk}-A1a.pdf", f"statement-{run.pk}-A1b.pdf"]
