"""The complaints register (每诉必录): working-hour deadlines, recording, answering late or on time, closing as
founded or unfounded, a verification call's 服务内容不符 opening one, the clinic's masked view, and founded
complaints feeding the clinic's assessment through a complaints item of the score sheet."""

from datetime import datetime, timedelta
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core.workcalendar import add_working_hours, is_workday, working_hours_between
from programs.models import Complaint, ComplaintRule, SampleEntry, SamplingRule
from programs.services import complaints, sampling
from subsidies.models import AssessmentEntry, ScoreItem, ScoreSheet
from subsidies.services import assessments
from tests.programs.sampling_helpers import make_records, make_report
from tests.subsidies.conftest import assessed_on

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


# ------------------------------------------------------------------------------------------- working hours


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (at(2026, 12, 4, 17, 0), 8, at(2026, 12, 7, 17, 0)),  # Friday 17:00: 1 h Friday, 7 h on Monday
        (at(2026, 12, 7, 9, 0), 4, at(2026, 12, 7, 15, 0)),  # 9–12, then the afternoon starts at 14:00
        (at(2026, 12, 7, 12, 30), 1, at(2026, 12, 7, 15, 0)),  # received in the lunch break
        (at(2026, 12, 5, 10, 0), 1, at(2026, 12, 7, 9, 0)),  # received on a Saturday
        # National Day 2026: 1–7 October off; Saturday 10 October is worked in lieu (调休), Sunday 11 is not.
        (at(2026, 9, 30, 17, 0), 9, at(2026, 10, 8, 18, 0)),
        (at(2026, 9, 30, 17, 0), 18, at(2026, 10, 10, 9, 0)),
        (at(2026, 10, 10, 17, 0), 2, at(2026, 10, 12, 9, 0)),
        (at(2026, 12, 7, 9, 0), 0, at(2026, 12, 7, 9, 0)),
    ],
)
def test_deadlines_count_working_hours_of_the_official_calendar(start, hours, due):
    assert add_working_hours(start, hours) == due


def test_a_year_without_a_published_schedule_works_monday_to_friday():
    assert is_workday(datetime(2031, 1, 6).date()) and not is_workday(datetime(2031, 1, 4).date())


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)).map(
    lambda d: d.replace(tzinfo=SHANGHAI)
)


@given(start=moments, first=st.integers(0, 60), second=st.integers(0, 60))
def test_working_hours_add_up(start, first, second):
    later = add_working_hours(start, first)
    assert later >= start
    assert add_working_hours(later, second) == add_working_hours(start, first + second)
    assert working_hours_between(start, later) == timedelta(hours=first)


# ----------------------------------------------------------------------------------------------- the register


def receive(org, *, clinic=None, user=None, hours_ago=1, kind=Complaint.Kind.ATTITUDE, received_at=None):
    return complaints.record_complaint(
        user=user or org.users.township,
        clinic=clinic or org.ca1a,
        source=Complaint.Source.HOTLINE,
        kind=kind,
        received_at=received_at or timezone.now() - timedelta(hours=hours_ago),
        description="村医态度生硬，不愿意上门随访",
        complainant="王大山",
    )


def test_the_answer_is_due_the_countys_working_hours_later(org):
    ComplaintRule.objects.create(county=org.county_a, answer_within_hours=16)
    received = at(2026, 12, 4, 10, 0)  # a Friday
    complaint = receive(org, received_at=received)
    assert complaint.due_at == at(2026, 12, 8, 10, 0)  # 6 h Friday, 8 h Monday, 2 h Tuesday
    assert complaint.status == Complaint.Status.OPEN
    # Without a rule, five working days.
    other = receive(org, clinic=org.cb1a, user=org.users.other_county, received_at=received)
    assert other.due_at == at(2026, 12, 11, 10, 0)


def test_answered_in_time_or_late_and_closed_once(org):
    complaint = receive(org, hours_ago=1)
    assert not complaint.late
    complaints.handle_complaint(user=org.users.township, complaint=complaint, answer="已约谈村医，限期改正")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.ANSWERED and complaint.answered_at is not None and not complaint.late
    complaints.handle_complaint(
        user=org.users.county, complaint=complaint, answer="已约谈村医，限期改正", finding=Complaint.Finding.FOUNDED
    )
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED and complaint.finding == "founded"
    with pytest.raises(ValidationError, match="已经办结"):
        complaints.handle_complaint(user=org.users.township, complaint=complaint, answer="改口")
    # Received three weeks ago and unanswered: late, and still late once answered.
    old = receive(org, hours_ago=24 * 21)
    assert old.late
    complaints.handle_complaint(user=org.users.township, complaint=old, answer="补答复")
    old.refresh_from_db()
    assert old.late


def test_bad_input_is_refused_and_nothing_written(org):
    with pytest.raises(ValidationError) as caught:
        complaints.record_complaint(
            user=org.users.township,
            clinic=org.ca1a,
            source="nope",
            kind="nope",
            received_at=timezone.now() + timedelta(days=1),
            description="  ",
        )
    assert set(caught.value.message_dict) == {"source", "kind", "received_at", "description"}
    complaint = receive(org)
    with pytest.raises(ValidationError, match="答复内容"):
        complaints.handle_complaint(user=org.users.township, complaint=complaint, answer=" ", finding="founded")
    with pytest.raises(ValidationError, match="核实结论"):
        complaints.handle_complaint(user=org.users.township, complaint=complaint, answer="答", finding="maybe")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.answer, complaint.finding) == (Complaint.Status.OPEN, "", "")
    assert Complaint.objects.count() == 1


def test_only_the_clinics_township_and_county_handle_it(org):
    with pytest.raises(PermissionDenied):
        receive(org, user=org.users.other_township)
    complaint = receive(org)
    for outsider in (org.users.other_township, org.users.other_county, org.users.doctor):
        with pytest.raises(PermissionDenied):
            complaints.handle_complaint(user=outsider, complaint=complaint, answer="答复")
    with pytest.raises(ValidationError, match="不能删除"):
        complaints.refuse_deletion(user=org.users.county, instance=complaint)


def test_a_mismatch_on_a_call_opens_a_complaint_once(org, services):
    item = services["PH09"]
    make_records(org.ca1a, item, count=20)
    make_report(org.ca1a, {item: 20})
    SamplingRule.objects.create(county=org.county_a, year=2026, share=D("0.2"), minimum=3, maximum=20, reserve=2)
    [sample] = sampling.draw_samples(user=org.users.township, year=2026, month=3, seed=3)
    first, second = sample.entries.filter(reserve=False).order_by("position")[:2]
    sampling.record_outcome(
        user=org.users.township, entry=first, outcome=SampleEntry.Outcome.CONTENT_MISMATCH, note="只量了血压",
        open_complaint=True,
    )  # fmt: skip
    sampling.record_outcome(
        user=org.users.township, entry=first, outcome=SampleEntry.Outcome.CONTENT_MISMATCH, open_complaint=True
    )
    sampling.record_outcome(
        user=org.users.township, entry=second, outcome=SampleEntry.Outcome.CONFIRMED, open_complaint=True
    )
    [complaint] = Complaint.objects.all()
    assert complaint.sample_entry_id == first.pk and complaint.source == Complaint.Source.CALL
    assert complaint.kind == Complaint.Kind.FALSE_SERVICE and complaint.clinic == org.ca1a
    assert complaint.complainant == first.record.resident_name and "服务内容与记录不符" in complaint.description


def test_the_clinic_reads_its_complaints_with_the_complainant_masked(org, client_for):
    complaint = receive(org)
    complaints.handle_complaint(user=org.users.township, complaint=complaint, answer="已约谈村医")
    receive(org, clinic=org.ca1b)
    page = client_for(org.users.doctor).get(reverse("portal_complaints:list")).content.decode()
    assert "投诉人 王**" in page and "王大山" not in page and "答复：已约谈村医" in page
    assert page.count('data-testid="complaint-') == 1  # the other clinic's complaint is not listed
    empty = client_for(org.users.far_doctor).get(reverse("portal_complaints:list")).content.decode()
    assert "没有群众投诉本卫生室" in empty


def test_staff_record_and_close_a_complaint_through_the_admin(org, client_for):
    client = client_for(org.users.township)
    received = timezone.localtime() - timedelta(hours=2)
    response = client.post(
        reverse("complaint:add"),
        {
            "clinic": org.ca1a.pk,
            "source": "township",
            "kind": "fees",
            "received_at": f"{received:%Y-%m-%d %H:%M}",
            "complainant": "李四",
            "description": "药价比卫生院贵",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint = Complaint.objects.get()
    assert complaint.recorded_by == org.users.township and complaint.due_at > complaint.received_at
    listing = client.get(reverse("complaint:index")).content.decode()
    assert "乱收费、药品加价" in listing and "待答复" in listing
    edit = reverse("complaint:edit", args=[complaint.pk])
    refused = client.post(edit, {"answer": "", "finding": "founded"})
    assert refused.status_code == 200 and Complaint.objects.get().status == Complaint.Status.OPEN
    assert client.post(edit, {"answer": "已退还多收的药费", "finding": "founded"}).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.finding) == (Complaint.Status.CLOSED, "founded")
    # Another township does not find it.
    assert client_for(org.users.other_township).get(edit).status_code == 404


# ---------------------------------------------------------------------------------- feeding the assessment


def test_founded_complaints_of_the_quarter_deduct_as_the_sheet_says(org):
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2026, name="含投诉扣分的表")
    ScoreItem.objects.create(
        sheet=sheet, code="T1", category="satisfaction", name="服务态度投诉", max_points=D(5), mode="complaints",
        indicator="attitude", points_per_occurrence=D(2),
    )  # fmt: skip
    ScoreItem.objects.create(
        sheet=sheet, code="T2", category="satisfaction", name="各类投诉", max_points=D(10), mode="complaints",
        points_per_occurrence=D(1),
    )  # fmt: skip
    in_q2 = at(2026, 5, 10, 9, 0)
    for kind, finding in [
        ("attitude", "founded"),
        ("attitude", "founded"),
        ("attitude", "founded"),
        ("attitude", "unfounded"),
        ("fees", "founded"),
    ]:
        complaint = receive(org, kind=kind, received_at=in_q2)
        complaints.handle_complaint(user=org.users.township, complaint=complaint, answer="已核实", finding=finding)
    receive(org, kind="fees", received_at=in_q2)  # open: not (yet) founded
    later = receive(org, kind="attitude", received_at=at(2026, 7, 2, 9, 0))  # the next quarter
    complaints.handle_complaint(user=org.users.township, complaint=later, answer="已核实", finding="founded")
    receive(org, clinic=org.ca1b, kind="attitude", received_at=in_q2)  # another clinic
    assessment = assessments.start_assessment(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=2, assessed_on=assessed_on(2026, 2)
    )
    entries = {e.item.code: e for e in assessment.entries.select_related("item")}
    # T1: 3 founded attitude complaints × 2 = 6, capped at 5. T2: 4 founded of every kind × 1 = 4.
    assert (entries["T1"].occurrences, entries["T1"].deduction) == (3, D("5.00"))
    assert (entries["T2"].occurrences, entries["T2"].deduction) == (4, D("4.00"))
    assessment.refresh_from_db()
    assert assessment.total_score == D("91.00")
    # While a draft, a complaint founded meanwhile counts at the next save; once submitted the count stays, and
    # an appeal's recomputation does not read the register again.
    late = receive(org, kind="fees", received_at=in_q2)
    complaints.handle_complaint(user=org.users.township, complaint=late, answer="已核实", finding="founded")
    assessments.update_entries(user=org.users.township, assessment=assessment, values={})
    assert AssessmentEntry.objects.get(pk=entries["T2"].pk).occurrences == 5
    assessments.submit_assessment(user=org.users.township, assessment=assessment)
    after = receive(org, kind="attitude", received_at=in_q2)
    complaints.handle_complaint(user=org.users.township, complaint=after, answer="已核实", finding="founded")
    appeal = assessments.file_appeal(user=org.users.doctor, entry=entries["T2"], comment="其中一件已撤回")
    assessments.decide_appeal(user=org.users.township, appeal=appeal, accept=True, decision="复核后维持")
    assert [AssessmentEntry.objects.get(pk=entries[code].pk).occurrences for code in ("T1", "T2")] == [3, 5]


def test_a_complaints_item_names_a_known_kind(org):
    sheet = ScoreSheet.objects.create(county=org.county_a, year=2032, name="表")
    item = ScoreItem(
        sheet=sheet, code="T9", category="satisfaction", name="投诉", max_points=D(5), mode="complaints",
        indicator="rude", points_per_occurrence=D(1),
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        item.full_clean()
    assert "attitude（服务态度）" in caught.value.message_dict["indicator"][0]
