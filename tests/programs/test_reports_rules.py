"""Monthly reports: saving, submitting, deadlines, impossible and implausible counts, verification."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import given
from hypothesis import strategies as st

from clinics.models import AuditEntry
from programs.models import ServiceReport, ServiceReportLine
from programs.selectors import reports as selectors
from programs.services import periods
from programs.services import reports as report_services

TODAY = date(2026, 4, 5)


def test_verification_arithmetic_example():
    assert report_services.verified_quantity(declared=57, checked=10, confirmed=9) == 51  # 51.3 rounded down
    assert report_services.verified_quantity(declared=57, checked=None, confirmed=None) == 57
    assert report_services.verified_quantity(declared=57, checked=10, confirmed=10) == 57
    assert report_services.verified_quantity(declared=57, checked=10, confirmed=0) == 0


@given(declared=st.integers(0, 10_000), checked=st.integers(1, 500), data=st.data())
def test_verified_never_exceeds_declared_and_grows_with_confirmations(declared, checked, data):
    confirmed = data.draw(st.integers(0, checked))
    verified = report_services.verified_quantity(declared=declared, checked=checked, confirmed=confirmed)
    assert 0 <= verified <= declared
    if confirmed < checked:
        assert verified <= report_services.verified_quantity(
            declared=declared, checked=checked, confirmed=confirmed + 1
        )


def save(org, services_, counts, submit=True, confirm=False, month=3, today=TODAY):
    return report_services.save_report(
        user=org.users.doctor,
        year=2026,
        month=month,
        submit=submit,
        confirmed_warnings=confirm,
        today=today,
        counts={services_[code].pk: n for code, n in counts.items()},
    )


def test_doctor_saves_a_draft_then_submits(org, services):
    report, _warnings = save(org, services, {"PH09": 8, "PH10": 20}, submit=False)
    assert report.status == ServiceReport.Status.DRAFT
    report, _warnings = save(org, services, {"PH09": 9, "PH10": 20})
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.SUBMITTED and report.submitted_by == org.users.doctor
    assert sorted(report.lines.values_list("item__code", "declared_count")) == [("PH09", 9), ("PH10", 20)]
    history = AuditEntry.objects.filter(cid__isnull=False)
    line_changes = [e.changes for e in history.filter(content_type__model="servicereportline", action=1)]
    report_changes = [e.changes for e in history.filter(content_type__model="servicereport", action=1)]
    assert {"declared_count": ["8", "9"]} in line_changes
    assert any(c.get("status") == ["draft", "submitted"] for c in report_changes)
    with pytest.raises(ValidationError, match="已提交"):
        save(org, services, {"PH09": 10})


def test_only_doctors_submit(org, services):
    with pytest.raises(PermissionDenied):
        report_services.save_report(user=org.users.township, year=2026, month=3, counts={}, submit=True, today=TODAY)


def test_deadline_and_reopening(org, services):
    with pytest.raises(ValidationError, match="已截止"):
        save(org, services, {"PH09": 5}, today=date(2026, 4, 11))
    periods.reopen_period(
        township_id=org.ta1.pk, year=2026, month=3, user=org.users.township, until=date(2026, 4, 20), reason="补报"
    )
    report, _warnings = save(org, services, {"PH09": 5}, today=date(2026, 4, 11))
    assert report.status == ServiceReport.Status.SUBMITTED


def test_future_month_is_refused(org, services):
    with pytest.raises(ValidationError, match="未来"):
        save(org, services, {"PH09": 1}, month=5)


def test_impossible_count_is_an_error(org, services):
    # Clinic A1a has 150 residents aged 65+; one check-up each per year at most.
    with pytest.raises(ValidationError) as excinfo:
        save(org, services, {"PH09": 151})
    assert "超过了可能的最大数 150" in str(excinfo.value)
    assert not ServiceReport.objects.exists()


def test_an_error_in_one_item_does_not_hide_the_warning_of_another(org, services):
    with pytest.raises(report_services.CountsRefused) as excinfo:
        save(org, services, {"PH09": 151, "PH10": 99})  # 151: over the possible 150; 99: over 3 × 20 a month
    assert "超过了可能的最大数 150" in str(excinfo.value)
    assert [w.item.code for w in excinfo.value.warnings] == ["PH10"]
    assert not ServiceReport.objects.exists()


def test_implausible_count_needs_confirmation(org, services):
    # Quota 240 a year → 20 a month; 61 is over three times that.
    with pytest.raises(report_services.NeedsConfirmation) as excinfo:
        save(org, services, {"PH10": 61})
    assert "3 倍" in excinfo.value.warnings[0].message
    assert not ServiceReport.objects.filter(status=ServiceReport.Status.SUBMITTED).exists()
    report, warnings = save(org, services, {"PH10": 61}, confirm=True)
    assert warnings and ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.SUBMITTED
    save(org, services, {"PH10": 60}, month=4, today=date(2026, 5, 5))  # exactly three times is fine


def test_a_small_usual_figure_is_not_made_implausible_by_a_handful(org, services):
    """Usual 0.3 a month: 1 is ordinary (no "超过平时每月约 0的 3 倍"); 9 is not, and the figure reads 约 0.5."""
    save(org, services, {"PH11": 1}, month=1, confirm=True, today=date(2026, 2, 5))
    save(org, services, {"PH11": 0}, month=2, confirm=True, today=date(2026, 3, 5))
    save(org, services, {"PH11": 0}, month=3, confirm=True)  # usual before April: (1 + 0 + 0) / 3 ≈ 0.33
    april = date(2026, 5, 5)
    _report, warnings = save(org, services, {"PH11": 1}, month=4, today=april)
    assert warnings == []
    with pytest.raises(report_services.NeedsConfirmation) as excinfo:  # May: usual (1 + 0 + 0 + 1) / 4 = 0.5
        save(org, services, {"PH11": 9}, month=5, today=date(2026, 6, 5))
    assert "平时每月约 0.5的 3 倍" in excinfo.value.warnings[0].message


def submitted(org, services, counts):
    report, _ = save(org, services, counts, confirm=True)
    return report


def test_township_verifies_with_a_sample(org, services):
    report = submitted(org, services, {"PH09": 57, "PH10": 20})
    report_services.verify_report(
        user=org.users.township, report=report, samples={services_item(services, "PH09"): ("phone", 10, 9)}
    )
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.VERIFIED
    verified = dict(report.lines.values_list("item__code", "verified_count"))
    assert verified == {"PH09": 51, "PH10": 20}
    totals = selectors.verified_totals(clinic_ids=[org.ca1a.pk], year=2026, months=[3])
    assert totals[org.ca1a.pk]["PH09"] == selectors.ItemTotals(declared=57, verified=51)
    line = ServiceReportLine.objects.get(report=report, item__code="PH09")
    history = AuditEntry.objects.filter(content_type__model="servicereportline", object_id=line.pk, action=1).latest(
        "pk"
    )
    assert history.actor == org.users.township and history.parent_id == report.pk
    assert history.changes["verified_count"] == ["None", "51"] and history.changes["sample_checked"] == ["None", "10"]


def services_item(items, code):
    return items[code].pk


@pytest.mark.parametrize(
    "sample, message",
    [
        (("phone", 10, 11), "属实数"),
        (("", 10, 9), "核实方式"),
        (("home", 80, 70), "抽查数不能超过申报数"),
    ],
)
def test_bad_samples_are_refused(org, services, sample, message):
    report = submitted(org, services, {"PH09": 57})
    with pytest.raises(ValidationError, match=message):
        report_services.verify_report(user=org.users.township, report=report, samples={services["PH09"].pk: sample})
    assert ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.SUBMITTED


def test_other_townships_cannot_verify_and_locked_months_cannot_change(org, services):
    report = submitted(org, services, {"PH09": 10})
    with pytest.raises(PermissionDenied):
        report_services.verify_report(user=org.users.other_township, report=report, samples={})
    periods.lock_periods(township_ids=[org.ta1.pk], year=2026, months=[3], user=org.users.county)
    with pytest.raises(ValidationError, match="锁定"):
        report_services.verify_report(user=org.users.township, report=report, samples={})
    with pytest.raises(ValidationError, match="锁定"):
        report_services.return_report(user=org.users.township, report=report, comment="x")


def test_return_to_doctor_and_resubmit(org, services):
    report = submitted(org, services, {"PH09": 10})
    with pytest.raises(ValidationError):
        report_services.return_report(user=org.users.township, report=report, comment="  ")
    report_services.return_report(user=org.users.township, report=report, comment="体检人数与花名册不符")
    report.refresh_from_db()
    assert report.status == ServiceReport.Status.RETURNED and report.return_comment == "体检人数与花名册不符"
    report, _ = save(org, services, {"PH09": 8})
    assert ServiceReport.objects.get(pk=report.pk).status == ServiceReport.Status.SUBMITTED


def test_progress_and_contract_functions(org, services):
    report = submitted(org, services, {"PH09": 30, "PH10": 20})
    report_services.verify_report(user=org.users.township, report=report, samples={})
    progress = {p.item.code: p for p in selectors.clinic_progress(clinic=org.ca1a, year=2026, through_month=3)}
    assert progress["PH09"].verified == 30 and progress["PH09"].quota == 120 and progress["PH09"].on_pace
    assert progress["PH10"].expected == 60 and not progress["PH10"].on_pace and progress["PH10"].behind_by == 40
    assert selectors.quota_map(clinic_ids=[org.ca1a.pk, org.ca2a.pk], year=2026) == {
        org.ca1a.pk: {"PH09": 120, "PH10": 240}
    }
    prices = selectors.item_prices(county_id=org.county_a.pk, year=2026)
    assert str(prices["PH09"].unit_price) == "40.00" and prices["PH09"].name == "65岁以上老年人健康体检"
    assert selectors.item_prices(county_id=org.county_b.pk, year=2026) == {}


def test_generate_quotas_from_population(org, services):
    from decimal import Decimal

    from clinics.selectors import clinics_for

    count = report_services.generate_quotas(
        user=org.users.township,
        clinics=clinics_for(org.users.township),
        year=2026,
        item=services["PH09"],
        rate=Decimal("0.7"),
        basis="aged_65_plus",
    )
    assert count == 2
    assert selectors.quota_map(clinic_ids=[org.ca1b.pk], year=2026)[org.ca1b.pk]["PH09"] == 105  # 150 × 0.7
    with pytest.raises(PermissionDenied):
        report_services.generate_quotas(
            user=org.users.township,
            clinics=[org.ca2a],
            year=2026,
            item=services["PH09"],
            rate=Decimal("0.7"),
            basis="aged_65_plus",
        )


def test_doctor_with_a_lapsed_licence_may_not_submit(org, services):
    from doctors.models import Licence

    Licence.objects.filter(doctor__user=org.users.doctor).update(status="expired")
    with pytest.raises(ValidationError) as excinfo:
        save(org, services, {"PH09": 1})
    assert not ServiceReport.objects.exists()
    assert excinfo.value.messages  # the doctors app's Chinese reason


def test_unregistered_login_may_not_submit(org):
    from programs.models import ServiceItem

    item = ServiceItem.objects.get(code="PH09")
    with pytest.raises(ValidationError, match="未在乡村医生名册中登记"):
        report_services.save_report(
            user=org.users.doctor, year=2026, month=3, counts={item.pk: 1}, submit=True, today=TODAY
        )


def test_item_figures_join_counts_and_quotas(org, services, django_assert_num_queries):
    """The settlement's one read: verified totals FULL JOIN quotas — counts without a quota (PH01), quotas
    without counts (PH10, and clinic A1b with no reports at all); drafts count nowhere, submitted reports only
    towards ``declared``."""
    from programs.models import Quota, ServiceReportLine

    Quota.objects.create(clinic=org.ca1b, item=services["PH10"], year=2026, target=50)
    for month, status, counts in [
        (3, "verified", {"PH09": (30, 27), "PH01": (5, 5)}),
        (4, "submitted", {"PH09": (10, 0)}),
        (5, "draft", {"PH09": (99, 0), "PH10": (7, 0)}),
    ]:
        report = ServiceReport.objects.create(clinic=org.ca1a, year=2026, month=month, status=status)
        for code, (declared, verified) in counts.items():
            ServiceReportLine.objects.create(
                report=report, item=services[code], declared_count=declared, verified_count=verified
            )
    clinics = [org.ca1a.pk, org.ca1b.pk, org.ca2a.pk]
    with django_assert_num_queries(2):  # the item codes, and the figures
        figures = selectors.item_figures(clinic_ids=clinics, year=2026, months=range(1, 13))
    F = selectors.ItemFigures
    assert figures == {
        org.ca1a.pk: {"PH09": F(40, 27, 120), "PH10": F(0, 0, 240), "PH01": F(5, 5, 0)},
        org.ca1b.pk: {"PH10": F(0, 0, 50)},
    }
    assert selectors.item_figures(clinic_ids=clinics, year=2026, months=[3])[org.ca1a.pk]["PH09"] == F(30, 27, 120)
    # The same figures as the two separate contract functions.
    totals = selectors.verified_totals(clinic_ids=clinics, year=2026, months=range(1, 13))
    quotas = selectors.quota_map(clinic_ids=clinics, year=2026)
    for clinic_id, items in figures.items():
        for code, f in items.items():
            t = totals.get(clinic_id, {}).get(code, selectors.ItemTotals(0, 0))
            assert (f.declared, f.verified, f.quota) == (t.declared, t.verified, quotas.get(clinic_id, {}).get(code, 0))
