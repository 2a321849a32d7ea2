"""The renewal workflow, practice permission and the interface functions, through the real database."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from doctors import rules, selectors, services
from doctors.models import DoctorAssessment, Licence, RenewalApplication, TrainingAttendance
from tests.doctors.helpers import eligible_doctor, make_doctor, make_licence, make_session, pass_assessment
from tests.factories import make_user

TODAY = date(2026, 6, 15)


@pytest.fixture
def setup(org):
    doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=TODAY, expires_in=60)
    return org, doctor, licence


def test_whole_renewal_approved_issues_a_new_licence_following_the_old(setup):
    org, _doctor, licence = setup
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY, note="按期申请")
    licence.refresh_from_db()
    assert licence.status == Licence.Status.RENEWAL_PENDING and application.eligibility["eligible"]
    services.township_review(application=application, user=org.users.township, forward=True, on=TODAY)
    application.refresh_from_db()
    assert application.forwarded_on == TODAY
    decided = services.county_decide(
        application=application, user=org.users.county, approve=True, on=TODAY + timedelta(days=3)
    )
    new = decided.new_licence
    assert new.number != licence.number and new.previous == licence
    assert new.issued_on == licence.expires_on + timedelta(days=1)
    assert new.expires_on == rules.licence_expiry(new.issued_on)
    licence.refresh_from_db()
    assert licence.status == Licence.Status.RENEWED
    # The doctor may practise on both sides of the change of licence.
    for day in (licence.expires_on, new.issued_on, new.expires_on):
        assert selectors.practice_permission(user=org.users.doctor, on=day).allowed
    assert not selectors.practice_permission(user=org.users.doctor, on=new.expires_on + timedelta(days=1)).allowed


def test_refusal_records_the_reason_and_blocks_service_reports(setup):
    org, _doctor, licence = setup
    application = services.apply_for_renewal(licence=licence, user=org.users.township, on=TODAY)
    assert application.on_behalf
    services.township_review(application=application, user=org.users.township, forward=True, on=TODAY)
    with pytest.raises(ValidationError, match="必须填写原因"):
        services.county_decide(application=application, user=org.users.county, approve=False, reason=" ", on=TODAY)
    services.county_decide(
        application=application, user=org.users.county, approve=False, reason="多次违规执业", on=TODAY
    )
    licence.refresh_from_db()
    assert licence.status == Licence.Status.REFUSED and licence.status_note == "多次违规执业"
    with pytest.raises(ValidationError, match="再注册未获批准"):
        services.ensure_may_submit_services(user=org.users.doctor, on=TODAY)


def test_window_boundaries(org):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    licence = make_licence(doctor, issued_on=date(2021, 6, 1))  # expires 2026-05-31, window opens 2026-02-28
    with pytest.raises(ValidationError, match="2026-02-28 起受理"):
        services.apply_for_renewal(licence=licence, user=org.users.doctor, on=date(2026, 2, 27))
    assert not RenewalApplication.objects.exists()
    with pytest.raises(ValidationError, match="已于 2026-05-31 过期"):
        services.apply_for_renewal(licence=licence, user=org.users.doctor, on=date(2026, 6, 1))
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=date(2026, 2, 28))
    assert application.applied_on == date(2026, 2, 28)
    with pytest.raises(ValidationError, match="已有正在审核"):
        services.apply_for_renewal(licence=licence, user=org.users.doctor, on=date(2026, 3, 1))


def test_day_15_is_in_time_and_day_16_overdue(setup):
    org, _doctor, licence = setup
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY)
    services.township_review(application=application, user=org.users.township, forward=True, on=TODAY)
    application.refresh_from_db()
    assert selectors.days_left(application, TODAY + timedelta(days=15)) == 0
    assert not selectors.is_overdue(application, TODAY + timedelta(days=15))
    assert selectors.is_overdue(application, TODAY + timedelta(days=16))
    assert selectors.days_left(application, TODAY + timedelta(days=16)) == -1


def test_only_the_doctors_own_county_decides_and_own_township_reviews(setup):
    org, _doctor, licence = setup
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY)
    for outsider in (org.users.other_township, org.users.county, org.users.doctor):
        with pytest.raises(ValidationError, match="乡镇卫生院的工作人员"):
            services.township_review(application=application, user=outsider, forward=True, on=TODAY)
    services.township_review(application=application, user=org.users.township, forward=True, on=TODAY)
    for outsider in (org.users.other_county, org.users.township):
        with pytest.raises(ValidationError, match="所在县的卫健局"):
            services.county_decide(application=application, user=outsider, approve=True, on=TODAY)
    application.refresh_from_db()
    assert application.status == RenewalApplication.Status.FORWARDED and application.new_licence is None
    assert Licence.objects.count() == 1


def test_other_people_cannot_apply_for_a_doctor(setup):
    org, _doctor, licence = setup
    for outsider in (org.users.other_doctor, org.users.other_township, org.users.other_county):
        with pytest.raises(ValidationError, match="不能为这位医生申请"):
            services.apply_for_renewal(licence=licence, user=outsider, on=TODAY)
    assert not RenewalApplication.objects.exists()


def test_eligibility_explains_missing_training_and_assessment(org):
    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, today=TODAY, expires_in=60)
    result = selectors.renewal_eligibility(licence=licence, on=TODAY)
    assert not result.eligible
    text = " ".join(result.reasons)
    assert "培训未达标" in text and "没有考核记录" in text
    DoctorAssessment.objects.create(doctor=doctor, assessed_on=TODAY - timedelta(days=800), result="passed")
    assert "已超过两年" in " ".join(selectors.renewal_eligibility(licence=licence, on=TODAY).reasons)


def test_training_rule_counted_per_licence_year_at_its_boundary(org):
    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, issued_on=date(2021, 7, 1))
    pass_assessment(doctor, date(2026, 1, 10))
    county = org.county_a
    for k in range(5):
        year_start = rules.add_years(licence.issued_on, k)
        for start in (year_start, rules.add_years(licence.issued_on, k + 1) - timedelta(days=7)):
            services.record_attendance(session=make_session(county, start, days=7), doctor=doctor, user=None)
    assert selectors.renewal_eligibility(licence=licence, on=date(2026, 4, 1)).eligible
    # Drop the session on the last days of licence year 2: that year is now short.
    TrainingAttendance.objects.filter(session__start_date=date(2023, 6, 24)).delete()
    result = selectors.renewal_eligibility(licence=licence, on=date(2026, 4, 1))
    assert not result.eligible and "2022-07-01 至 2023-06-30：1 次、7 天" in result.reasons[0]


def test_returned_application_reopens_the_licence(setup):
    org, _doctor, licence = setup
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY)
    with pytest.raises(ValidationError):
        services.township_review(application=application, user=org.users.township, forward=False, note="", on=TODAY)
    services.township_review(application=application, user=org.users.township, forward=False, note="材料不全", on=TODAY)
    licence.refresh_from_db()
    assert licence.status == Licence.Status.VALID
    assert services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY + timedelta(days=1))


def test_ineligible_forward_needs_a_reason(org):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    licence = make_licence(doctor, today=TODAY, expires_in=30)
    application = services.apply_for_renewal(licence=licence, user=org.users.doctor, on=TODAY)
    with pytest.raises(ValidationError, match="请填写理由"):
        services.township_review(application=application, user=org.users.township, forward=True, on=TODAY)
    application.refresh_from_db()
    assert application.status == RenewalApplication.Status.SUBMITTED


def test_practice_permission_reasons(org):
    user = org.users.doctor
    assert selectors.practice_permission(user=user, on=TODAY).reason == "未在乡村医生名册中登记，请联系乡镇卫生院"
    doctor = make_doctor(org.ca1a, user=user)
    assert "没有有效" in selectors.practice_permission(user=user, on=TODAY).reason
    licence = make_licence(doctor, issued_on=date(2021, 6, 15))  # through 2026-06-14
    assert not selectors.practice_permission(user=user, on=date(2021, 6, 14)).allowed
    assert selectors.practice_permission(user=user, on=date(2026, 6, 14)).allowed
    lapsed = selectors.practice_permission(user=user, on=TODAY)
    assert not lapsed.allowed and "已于 2026-06-14 过期" in lapsed.reason
    services.cancel_licence(licence=licence, reason=Licence.CancelReason.CRIMINAL, user=org.users.county)
    assert "受刑事处罚" in selectors.practice_permission(user=user, on=date(2025, 1, 1)).reason
    with pytest.raises(ValidationError, match="已注销"):
        services.ensure_may_submit_services(user=user, on=date(2025, 1, 1))


def test_failed_reassessment_cancels_the_licence(org):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    licence = make_licence(doctor, issued_on=date(2024, 2, 29))
    first = services.record_assessment(
        doctor=doctor, assessed_on=date(2026, 3, 1), result="failed", user=org.users.township, score=50
    )
    assert not first.is_reassessment
    with pytest.raises(ValidationError, match="6 个月内"):
        services.record_assessment(
            doctor=doctor, assessed_on=date(2026, 9, 2), result="failed", user=org.users.township
        )
    second = services.record_assessment(
        doctor=doctor, assessed_on=date(2026, 9, 1), result="failed", user=org.users.township, score=55
    )
    assert second.is_reassessment
    licence.refresh_from_db()
    assert licence.status == Licence.Status.CANCELLED
    assert licence.cancel_reason == Licence.CancelReason.FAILED_ASSESSMENT
    assert "考核不合格" in selectors.practice_permission(user=org.users.doctor, on=date(2026, 9, 2)).reason


def test_passed_reassessment_keeps_the_licence(org):
    doctor = make_doctor(org.ca1a)
    licence = make_licence(doctor, issued_on=date(2024, 1, 1))
    services.record_assessment(doctor=doctor, assessed_on=date(2026, 3, 1), result="failed", user=None)
    services.record_assessment(doctor=doctor, assessed_on=date(2026, 8, 1), result="passed", user=None)
    licence.refresh_from_db()
    assert licence.status == Licence.Status.VALID


def test_attendance_outside_the_clerks_township_is_refused(org):
    far = make_doctor(org.ca2a, name="王志强")
    session = make_session(org.county_a, TODAY)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.record_attendance(session=session, doctor=far, user=org.users.township)
    other_county_session = make_session(org.county_b, TODAY)
    with pytest.raises(ValidationError, match="不属于该医生所在的县"):
        services.record_attendance(session=other_county_session, doctor=far, user=org.users.county)
    with pytest.raises(ValidationError, match="0 到 100"):
        services.record_attendance(session=session, doctor=far, user=org.users.county, written_score="120")
    assert not TrainingAttendance.objects.exists()


def test_bad_licence_input_in_chinese(org):
    doctor = make_doctor(org.ca1a)
    make_licence(doctor, issued_on=date(2022, 1, 1), number="QS-0001")
    with pytest.raises(ValidationError) as exc:
        services.create_licence(doctor=doctor, number="QS-0001", issued_on=date(2023, 1, 1))
    assert "证书编号已存在" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        services.create_licence(
            doctor=doctor, number="QS-0002", issued_on=date(2023, 1, 1), expires_on=date(2022, 12, 31)
        )
    assert "有效期至必须晚于发证日期" in str(exc.value)
    with pytest.raises(ValidationError, match="管辖范围"):
        services.create_licence(
            doctor=doctor, number="QS-0003", issued_on=date(2023, 1, 1), user=org.users.other_township
        )
    assert Licence.objects.count() == 1
    created = services.create_licence(
        doctor=doctor, number=" QS-0004 ", issued_on=date(2024, 2, 29), user=org.users.township
    )
    assert created.number == "QS-0004" and created.expires_on == date(2029, 2, 28)


def test_move_doctor_records_history_and_moves_the_login(org):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    services.move_doctor(doctor=doctor, to_clinic=org.ca1b, moved_on=TODAY, user=org.users.township)
    doctor.refresh_from_db()
    org.users.doctor.scope.refresh_from_db()
    assert doctor.clinic == org.ca1b and org.users.doctor.scope.clinic == org.ca1b
    assert doctor.moves.get().from_clinic == org.ca1a
    with pytest.raises(ValidationError, match="目标卫生室不在您的管辖范围内"):
        services.move_doctor(doctor=doctor, to_clinic=org.ca2a, moved_on=TODAY, user=org.users.township)


def test_doctor_counts_bounded_queries(org, django_assert_max_num_queries):
    for i, clinic in enumerate([org.ca1a, org.ca1a, org.ca1b, org.ca2a]):
        doctor = make_doctor(clinic, name=f"医生{i}")
        make_licence(doctor, issued_on=date(2022, 1, 1) if i != 3 else date(2018, 1, 1))
    lapsed_doctor = make_doctor(org.ca1b, name="过期")
    make_licence(lapsed_doctor, issued_on=date(2020, 1, 1))
    with django_assert_max_num_queries(1):
        counts = selectors.doctor_counts(clinic_ids=[org.ca1a.pk, org.ca1b.pk, org.ca2a.pk, org.cb1a.pk], on=TODAY)
    assert counts == {org.ca1a.pk: 2, org.ca1b.pk: 1}


def test_practice_permission_bounded_queries(org, django_assert_max_num_queries):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    for year in range(2000, 2030, 5):
        make_licence(doctor, issued_on=date(year, 1, 1), status=Licence.Status.RENEWED if year < 2025 else "valid")
    with django_assert_max_num_queries(2):
        assert selectors.practice_permission(user=org.users.doctor, on=TODAY).allowed


def test_login_without_record_is_not_allowed(org):
    user = make_user("doc_new")
    permission = selectors.practice_permission(user=user, on=TODAY)
    assert not permission.allowed and "未在乡村医生名册中登记" in permission.reason


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.django import TestCase as HypothesisTestCase  # noqa: E402


class PracticePermissionProperty(HypothesisTestCase):
    """Allowed exactly on the days a valid licence's term covers, whatever the dates."""

    @classmethod
    def setUpTestData(cls):
        # Built once for the class, in its transaction; each example runs in a savepoint of its own (rolled back)
        # and takes fresh copies of the objects (make_doctor caches the doctor on org.users.doctor).
        from tests.factories import build_org

        cls.org = build_org()

    @settings(max_examples=40)
    @given(
        issued=st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31)),
        offset=st.integers(-400, 2300),
        status=st.sampled_from(["valid", "renewal_pending", "expired", "refused"]),
    )
    def test_permission_matches_the_term(self, issued, offset, status):
        import copy

        org = copy.deepcopy(type(self).org)  # the class's pristine objects, not this instance's memoised copy
        doctor = make_doctor(org.ca1a, user=org.users.doctor)
        licence = make_licence(doctor, issued_on=issued, status=status)
        on = issued + timedelta(days=offset)
        permission = selectors.practice_permission(user=org.users.doctor, on=on)
        expected = status in ("valid", "renewal_pending") and licence.issued_on <= on <= licence.expires_on
        assert permission.allowed == expected
        assert permission.allowed or permission.reason
