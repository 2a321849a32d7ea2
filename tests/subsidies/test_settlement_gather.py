"""The settlement reads real data from the other apps (services, drugs, assessments, doctors)."""

import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from programs.models import Quota, ServiceItem, ServiceReport, ServiceReportLine
from subsidies.models import Assessment, PolicyItem, ScoreSheet, SettlementRun, SubsidyPolicy
from subsidies.selectors import settlement as settlement_reads
from subsidies.services import settlement


@pytest.fixture
def year_data(org):
    item = ServiceItem.objects.get(code="PH09")
    policy = SubsidyPolicy.objects.create(
        county=org.county_a,
        year=2026,
        name="2026年村级补助",
        per_capita_rate=D("99"),
        village_share=D("0.4"),
        drug_amount=D("5"),
        quality_threshold=D("60"),
    )
    PolicyItem.objects.create(policy=policy, item=item, unit_price=D("40"), work_points=D("15"))
    Quota.objects.create(clinic=org.ca1a, item=item, year=2026, target=120)
    report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=2, status="verified")
    ServiceReportLine.objects.create(report=report, item=item, declared_count=57, verified_count=51)
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="表")
    Assessment.objects.create(
        clinic=org.ca1a,
        year=2026,
        quarter=1,
        sheet=sheet,
        status="submitted",
        total_score=D("85"),
        assessor=org.users.township,
        assessed_on=date(2026, 3, 30),
    )
    return policy


def test_gather_inputs_reads_every_app(org, year_data, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        inputs = settlement_reads.gather_inputs(county=org.county_a, year=2026, quarter=1)
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
    text = subprocess.run(
        ["pdftotext", str(tmp_path / f"statement-{run.pk}-A1a.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "张庄村卫生室" in text and "1224.00" in text


def test_province_runs_read_once_and_match_county_runs(org, year_data, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # Read in one group here; the default reads in at most 4, i.e. at most 3 × 2 more queries, whatever the size.
    monkeypatch.setattr(settlement, "PROVINCE_READ_GROUPS", 1)
    other = SubsidyPolicy.objects.create(
        county=org.county_b,
        year=2026,
        name="绿水县补助",
        per_capita_rate=D("99"),
        village_share=D("0.4"),
        drug_amount=D("7"),
    )
    ContentType.objects.get_for_model(SettlementRun)  # cached for the process; read once before measuring
    with CaptureQueriesContext(connection) as one_county:
        settlement.create_province_runs(user=None, policies=[year_data], year=2026, quarter=2)
    with CaptureQueriesContext(connection) as two_counties:
        runs = settlement.create_province_runs(user=None, policies=[year_data, other], year=2026, quarter=1)
    # A second county (and its clinics) costs no query: everything is read and written in bulk (the change
    # history too: the runs' county names and one INSERT, 2 of the 18).
    assert len(two_counties) == len(one_county) <= 18
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
    response = client.get(reverse("settlement:statements", args=[run.pk]))
    batch = StatementBatch.objects.get()
    assert response["Location"] == reverse("settlement:batch", args=[batch.pk])
    assert client.get(reverse("settlement:batch", args=[batch.pk]), {"format": "json"}).json() == {
        "state": "done",
        "percent": 100,
        "done": 2,
        "total": 2,
    }  # township A1's two clinics only
    download = client.get(reverse("settlement:batch", args=[batch.pk]), {"download": 1})
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert sorted(names) == [f"statement-{run.pk}-A1a.pdf", f"statement-{run.pk}-A1b.pdf"]


LINE_FIELDS = ("clinic_id", "public_health", "drug_subsidy", "deductions", "advances", "balance", "explanation")


def _lines(run):
    return [tuple(getattr(line, f) for f in LINE_FIELDS) for line in run.lines.order_by("clinic__code")]


@pytest.fixture
def busy_year(org, year_data):
    """Several items, months, clinics, assessments and advances in both counties."""
    items = list(ServiceItem.objects.filter(code__in=["PH01", "PH02", "PH09", "PH10"]))
    for i, item in enumerate(items):
        PolicyItem.objects.get_or_create(
            policy=year_data, item=item, defaults={"unit_price": D("12.50") + i, "work_points": D("3.5") + i}
        )
    sheet = ScoreSheet.objects.get(county=org.county_a)
    for n, clinic in enumerate([org.ca1a, org.ca1b, org.ca2a, org.cb1a]):
        for i, item in enumerate(items):
            Quota.objects.get_or_create(clinic=clinic, item=item, year=2026, defaults={"target": 100 + 37 * i + n})
        for month in (1, 2, 5, 11):
            report, _ = ServiceReport.objects.get_or_create(
                clinic=clinic, year=2026, month=month, defaults={"status": "verified" if month != 11 else "submitted"}
            )
            for i, item in enumerate(items):
                ServiceReportLine.objects.get_or_create(
                    report=report,
                    item=item,
                    defaults={
                        "declared_count": 20 + 3 * i + n + month,
                        "verified_count": 18 + 3 * i + n + month - (i % 2),
                    },
                )
        if clinic != org.ca1a and clinic != org.cb1a:
            Assessment.objects.create(
                clinic=clinic,
                year=2026,
                quarter=2,
                sheet=sheet,
                status="submitted",
                total_score=D("71.5") + 9 * n,
                assessor=org.users.township,
                assessed_on=date(2026, 6, 28),
            )
    from subsidies.models import Advance

    Advance.objects.create(clinic=org.ca1b, paid_on=date(2026, 3, 1), amount=D("333.33"), reference="BK-1")
    return year_data


@pytest.mark.parametrize("method", ["unit_price", "work_points"])
@pytest.mark.parametrize("quarter", [None, 1])
@pytest.mark.parametrize("read_groups", [1, 4])
def test_province_run_writes_exactly_the_lines_of_county_runs(
    org, busy_year, method, quarter, read_groups, monkeypatch
):
    # With more than one group, the second county is read in the background (on the test's own connection,
    # inside its transaction) while the first is computed.
    monkeypatch.setattr(settlement, "PROVINCE_READ_GROUPS", read_groups)
    SubsidyPolicy.objects.filter(pk=busy_year.pk).update(method=method)
    policy_a = SubsidyPolicy.objects.get(pk=busy_year.pk)
    policy_b = SubsidyPolicy.objects.create(
        county=org.county_b,
        year=2026,
        name="绿水县补助",
        per_capita_rate=D("90"),
        village_share=D("0.5"),
        drug_amount=D("7"),
        method=method,
    )
    for item in PolicyItem.objects.filter(policy=policy_a):
        PolicyItem.objects.create(
            policy=policy_b, item=item.item, unit_price=item.unit_price + 1, work_points=item.work_points
        )
    province = settlement.create_province_runs(user=None, policies=[policy_a, policy_b], year=2026, quarter=quarter)
    singles = [settlement.create_run(user=None, policy=p, year=2026, quarter=quarter) for p in (policy_a, policy_b)]
    for run, single in zip(province, singles, strict=True):
        assert _lines(run) == _lines(single) and len(_lines(run)) == run.lines.count() > 0
        assert (run.total_public_health, run.total_balance) == (single.total_public_health, single.total_balance)
    assert any(line[1] > 0 for line in _lines(province[0]))  # the data does pay something


def test_recompute_gives_the_same_lines(org, busy_year, client_for):
    run = settlement.create_run(user=None, policy=busy_year, year=2026, quarter=None)
    before = _lines(run)
    again = settlement.recompute_run(user=org.users.county, run=run)
    assert _lines(again) == before  # explanations included: policy figures read as stored ("60.00", not "60")
    assert all(line.previous_balance == line.balance for line in again.lines.all())
    x = again.lines.get(clinic=org.ca1b).explanation
    assert x["advance_rows"] == [{"paid_on": "2026-03-01", "amount": "333.33", "reference": "BK-1", "scheduled": False}]
    assert all("E" not in row["cap"] and "E" not in row["counted"] for row in x["items"])  # 120, never 1.2E+2


@pytest.mark.parametrize(
    "sizes, groups",
    [
        ([600] * 50, [list(range(13)), list(range(13, 25)), list(range(25, 38)), list(range(38, 50))]),
        ([5, 1], [[0], [1]]),
        ([3], [[0]]),
        ([100, 1, 1, 1, 1, 1], [[0], [1], [2], [3, 4, 5]]),
    ],
)
def test_counties_are_read_in_at_most_four_balanced_groups(sizes, groups):
    class Facts:
        def clinic_count(self, county_id):
            return sizes[county_id]

    assert settlement._county_groups(Facts(), list(range(len(sizes)))) == groups
