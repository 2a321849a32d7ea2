"""The to-do inbox (待办, core.inbox) on each role's home: one item of each kind shows its count and its link on
the home of the role it waits for, another township's or county's items are not counted, an empty inbox says
"暂无待办事项" with what comes next, and the queries stay bounded whatever the number of items."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import WorkflowState

from cms.models import Audience, NoticeIndexPage, NoticePage
from core.inbox import inbox_for
from doctors.models import Licence, RenewalApplication
from programs.models import Complaint, ServiceReport
from programs.selectors.periods import reporting_month
from programs.services import complaints
from subsidies.models import (
    Appeal,
    Assessment,
    AssessmentEntry,
    Finding,
    Inspection,
    ScoreItem,
    ScoreSheet,
    SettlementRun,
    SubsidyPolicy,
)
from tests.doctors.helpers import make_doctor, make_licence

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def rows(html: str) -> dict[str, tuple[int, str, str]]:
    """The inbox rows of a page: label → (count, link, detail)."""
    section = html[html.index('data-testid="inbox"') :]
    section = section[: section.index("</section>")]
    found = {}
    for label, url, text in re.findall(r'data-inbox="([^"]+)">\s*<a href="([^"]+)">(.*?)</a>', section, re.S):
        count = re.search(r'class="inbox-count">(\d+)', text)
        detail = re.search(r'class="inbox-detail">([^<]*)<', text)
        found[unescape(label)] = (int(count.group(1)), unescape(url), unescape(detail.group(1)) if detail else "")
    return found


def home(client_for, user, url_name="wagtailadmin_home") -> str:
    response = client_for(user).get(reverse(url_name))
    assert response.status_code == 200
    return response.content.decode()


# --------------------------------------------------------------------------- builders


def report(clinic, year, month, status, comment=""):
    return ServiceReport.objects.create(clinic=clinic, year=year, month=month, status=status, return_comment=comment)


def renewal(clinic, status, *, user=None, **extra):
    doctor = make_doctor(clinic, user=user, name="王医生")
    licence = make_licence(doctor, expires_in=40, today=today())
    if status in RenewalApplication.OPEN:
        Licence.objects.filter(pk=licence.pk).update(status=Licence.Status.RENEWAL_PENDING)
    if status == RenewalApplication.Status.REFUSED:
        Licence.objects.filter(pk=licence.pk).update(status=Licence.Status.REFUSED)
    if status == RenewalApplication.Status.FORWARDED:
        extra.setdefault("forwarded_on", today())
    return RenewalApplication.objects.create(licence=licence, status=status, applied_on=today(), **extra)


def appeal(clinic, org, sheet, quarter=1):
    assessment = Assessment.objects.create(
        clinic=clinic,
        year=2026,
        quarter=quarter,
        total_score=Decimal(80),
        sheet=sheet,
        assessor=org.users.township,
        assessed_on=today(),
        status=Assessment.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    entry = AssessmentEntry.objects.create(assessment=assessment, item=sheet.items.first())
    return Appeal.objects.create(entry=entry, comment="处方已整改", appellant=org.users.doctor)


def make_sheet(county):
    sheet, created = ScoreSheet.objects.get_or_create(county=county, year=2026, defaults={"name": "考核表"})
    if not created:
        return sheet
    ScoreItem.objects.create(
        sheet=sheet, code="B1", category="medical", name="处方书写", max_points=Decimal(20), mode="deduction"
    )
    return sheet


def finding(clinic, org, *, deadline, description="药品柜未加锁", status=Finding.Status.OPEN):
    inspection = Inspection.objects.create(
        clinic=clinic, inspected_on=today() - timedelta(days=30), inspector=org.users.township
    )
    return Finding.objects.create(inspection=inspection, description=description, deadline=deadline, status=status)


def policy(county):
    return SubsidyPolicy.objects.get_or_create(
        county=county,
        year=2026,
        name="补助政策",
        defaults={"per_capita_rate": Decimal(99), "village_share": Decimal("0.4"), "drug_amount": Decimal(5)},
    )[0]


def run(county, township, status, **extra):
    return SettlementRun.objects.create(
        county=county, township=township, year=2026, quarter=1, policy=policy(county), status=status, **extra
    )


def notice(county, title, *, owner=None, audience=Audience.PUBLIC, publish=False):
    index = NoticeIndexPage.objects.get(county=county)
    page = NoticePage(
        title=title,
        audience=audience,
        issuing_body=f"{county.name}卫生健康局",
        body=[{"type": "paragraph", "value": f"<p>{title}</p>"}],
        live=False,
        owner=owner,
        issued_on=today(),
    )
    index.add_child(instance=page)
    revision = page.save_revision(user=owner)
    if publish:
        revision.publish()
    return NoticePage.objects.get(pk=page.pk)


def submit(page, user):
    page.get_workflow().start(page, user)
    return WorkflowState.objects.get(object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS)


# --------------------------------------------------------------------------- township staff


def township_items(org, *, township, clinic, sheet, county=None, quarter=1):
    """One item of every kind the township's staff work on, for ``clinic`` of ``township``."""
    year, month = reporting_month(today())
    if not ServiceReport.objects.filter(clinic=clinic, year=year, month=month).exists():
        report(clinic, year, month, ServiceReport.Status.SUBMITTED)
    renewal(clinic, RenewalApplication.Status.SUBMITTED)
    appeal(clinic, org, sheet, quarter)
    run(county or org.county_a, township, SettlementRun.Status.DRAFT, returned_at=timezone.now())
    finding(clinic, org, deadline=today() - timedelta(days=1))
    finding(clinic, org, deadline=today() + timedelta(days=5))  # not late yet
    complaints.record_complaint(  # received three weeks ago, never answered: late
        user=None,
        clinic=clinic,
        source=Complaint.Source.HOTLINE,
        kind=Complaint.Kind.ATTITUDE,
        received_at=timezone.now() - timedelta(days=21),
        description="态度不好",
    )


def test_township_home_counts_its_own_items_and_links_each_list(org, client_for):
    sheet = make_sheet(org.county_a)
    township_items(org, township=org.ta1, clinic=org.ca1a, sheet=sheet)
    # Township A2's items (the same kinds) wait for A2's staff, not for A1's.
    township_items(org, township=org.ta2, clinic=org.ca2a, sheet=sheet)
    year, month = reporting_month(today())

    found = rows(home(client_for, org.users.township))
    assert found["待核实的月报"][:2] == (1, f"{reverse('reports:list')}?year={year}&status=submitted")
    # A1 has two clinics; A1a reported the month: A1b is missing.
    missing = found[f"{month}月月报未报的村卫生室"]
    assert missing[:2] == (1, f"{reverse('missing:list')}?year={year}&month={month}")
    assert "已报 1 / 2 个" in missing[2]
    assert found["待审核的再注册申请"][:2] == (1, f"{reverse('doctors:renewals')}?status=submitted")
    assert found["待处理的考核申诉"][:2] == (1, reverse("assessments:appeals"))
    assert found["已过整改期限的检查发现"][:2] == (1, reverse("assessments:inspections"))
    waiting = found["待答复的群众投诉"]
    assert waiting[:2] == (1, reverse("complaint:index") + "?status=open") and "其中 1 件已超过答复期限" in waiting[2]
    drafts = found["待确认的补助结算"]
    assert drafts[:2] == (1, reverse("settlement:runs")) and "1 份被卫健局退回" in drafts[2]
    # County-only rows are not the township's.
    assert "待审批的补助结算" not in found and "待审批的再注册申请" not in found


def test_township_links_open_lists_that_hold_the_items(org, client_for):
    sheet = make_sheet(org.county_a)
    township_items(org, township=org.ta1, clinic=org.ca1a, sheet=sheet)
    client = client_for(org.users.township)
    for label, (_count, url, _detail) in rows(home(client_for, org.users.township)).items():
        page = client.get(url)
        assert page.status_code == 200, label
        text = page.content.decode()
        # Each list names the clinic its items are about (the missing list: the clinic that did not report).
        assert any(name in text for name in ("张庄村卫生室", "城关镇", org.ca1b.name)), label


# --------------------------------------------------------------------------- county admin


def test_county_home_counts_its_own_items(org, client_for):
    run(org.county_a, org.ta1, SettlementRun.Status.CONFIRMED)
    run(org.county_b, org.tb1, SettlementRun.Status.CONFIRMED)
    run(org.county_a, None, SettlementRun.Status.DRAFT)  # a county-wide draft: the county confirms it
    run(org.county_a, org.ta2, SettlementRun.Status.DRAFT)  # a township's draft: not the county's to confirm
    renewal(org.ca1a, RenewalApplication.Status.FORWARDED)
    renewal(org.cb1a, RenewalApplication.Status.FORWARDED)
    renewal(org.ca2a, RenewalApplication.Status.SUBMITTED)  # still with the township
    make_licence(make_doctor(org.ca2a, name="李医生"), expires_in=30, today=today())
    make_licence(make_doctor(org.cb1a, name="赵医生"), expires_in=30, today=today())
    make_licence(make_doctor(org.ca1b, name="孙医生"), expires_in=-3, today=today())  # lapsed
    submit(notice(org.county_a, "待审核的培训通知", owner=org.users.editor), org.users.editor)
    submit(notice(org.county_b, "绿水县待审核通知"), org.users.superuser)

    found = rows(home(client_for, org.users.county))
    assert found["待审批的补助结算"][:2] == (1, reverse("settlement:runs"))
    assert found["待确认的全县补助结算草稿"][0] == 1
    renewals = found["待审批的再注册申请"]
    assert renewals[:2] == (1, f"{reverse('doctors:renewals')}?status=forwarded")
    assert "前审批" in renewals[2]
    assert found["90天内到期的执业证书"][:2] == (1, reverse("doctors:worklist"))
    assert found["已过期未再注册的执业证书"][0] == 1
    assert found["待审核的通知"][:2] == (1, reverse("wagtailadmin_reports:workflow") + "?reviewable=true")
    assert "待核实的月报" not in found and "待审核的再注册申请" not in found


def test_county_home_no_longer_hides_renewals_in_the_expired_tile(org, client_for):
    renewal(org.ca1a, RenewalApplication.Status.FORWARDED)
    page = home(client_for, org.users.county)
    assert "再注册待审" not in page
    assert rows(page)["待审批的再注册申请"][0] == 1


# --------------------------------------------------------------------------- notice editor and moderator


def test_moderator_counts_notices_waiting_for_their_county(org, client_for):
    submit(notice(org.county_a, "村医培训通知", owner=org.users.editor), org.users.editor)
    submit(notice(org.county_a, "药品检查通知", owner=org.users.editor), org.users.editor)
    submit(notice(org.county_b, "绿水县通知"), org.users.superuser)
    found = rows(home(client_for, org.users.moderator))
    assert found["待审核的通知"][:2] == (2, reverse("wagtailadmin_reports:workflow") + "?reviewable=true")
    listing = client_for(org.users.moderator).get(found["待审核的通知"][1]).content.decode()
    assert "村医培训通知" in listing and "绿水县通知" not in listing


def test_editor_counts_own_drafts_and_returned_notices(org, client_for):
    editor = org.users.editor
    notice(org.county_a, "未提交的通知草稿", owner=editor)
    returned = submit(notice(org.county_a, "被退回的通知", owner=editor), editor)
    returned.current_task_state.specific.reject(user=org.users.moderator)
    assert WorkflowState.objects.get(pk=returned.pk).status == WorkflowState.STATUS_NEEDS_CHANGES
    submit(notice(org.county_a, "审核中的通知", owner=editor), editor)  # waits for the moderator, not the editor
    notice(org.county_a, "已发布的通知", owner=editor, publish=True)  # published by the moderator
    notice(org.county_b, "绿水县草稿")
    found = rows(home(client_for, editor))
    index = NoticeIndexPage.objects.get(county=org.county_a)
    assert found["未提交审核的通知草稿"][0] == 1
    assert found["未提交审核的通知草稿"][1].startswith(reverse("wagtailadmin_explore", args=[index.pk]))
    assert found["被退回修改的通知"][:2] == (1, reverse("wagtailadmin_reports:workflow"))
    assert "待审核的通知" not in found  # editors do not approve
    assert client_for(editor).get(found["被退回修改的通知"][1]).status_code == 200


def test_empty_inboxes_say_so_with_what_comes_next(org, client_for):
    year, month = reporting_month(today())
    for clinic in (org.ca1a, org.ca1b):  # every clinic of A1 reported and was verified
        report(clinic, year, month, ServiceReport.Status.VERIFIED)
    for user in (org.users.township, org.users.county, org.users.editor, org.users.moderator):
        page = home(client_for, user)
        assert "暂无待办事项" in page, user.username
        assert "接下来：" in page, user.username
    assert "暂无待办事项" not in home(client_for, org.users.township).split('data-testid="inbox"')[0]


# --------------------------------------------------------------------------- village doctor


def test_doctor_home_lists_own_work(org, client_for):
    year, month = reporting_month(today())
    earlier_year, earlier_month = (year - 1, 12) if month == 1 else (year, month - 1)
    report(org.ca1a, earlier_year, earlier_month, ServiceReport.Status.RETURNED, "高血压随访数与档案不符")
    report(org.ca1b, earlier_year, earlier_month, ServiceReport.Status.RETURNED, "另一个卫生室")
    renewal(
        org.ca1a,
        RenewalApplication.Status.REFUSED,
        user=org.users.doctor,
        decided_on=today(),
        decision_reason="培训学时不足",
    )
    finding(org.ca1a, org, deadline=today() + timedelta(days=10), description="药品柜未加锁")
    finding(org.ca1b, org, deadline=today() + timedelta(days=10), description="李家村的问题")
    notice(org.county_a, "慢病管理培训通知", audience=Audience.DOCTORS, publish=True)
    notice(org.county_b, "绿水县村医培训", audience=Audience.DOCTORS, publish=True)

    found = rows(home(client_for, org.users.doctor, "portal:home"))
    assert found[f"{month}月月报还没有提交"][:2] == (1, reverse("portal_reports:report", args=[year, month]))
    returned = found["被退回的月报"]
    assert returned[:2] == (1, reverse("portal_reports:report", args=[earlier_year, earlier_month]))
    assert "高血压随访数与档案不符" in returned[2]
    assert found["未读通知"][:2] == (1, reverse("portal_notices:index"))
    refused = found["再注册申请未批准"]
    assert refused[:2] == (1, reverse("portal_doctors:licence")) and "培训学时不足" in refused[2]
    rectify = found["需要整改的问题"]
    assert rectify[0] == 1 and "药品柜未加锁" in rectify[2] and "李家村" not in rectify[2]
    assert rectify[1] == reverse("portal_assessments:index") + "#findings"
    findings = client_for(org.users.doctor).get(rectify[1]).content.decode()
    assert 'id="findings"' in findings and "药品柜未加锁" in findings and "李家村的问题" not in findings


def test_doctor_with_everything_done_sees_what_comes_next(org, client_for):
    year, month = reporting_month(today())
    report(org.ca1a, year, month, ServiceReport.Status.SUBMITTED)
    page = home(client_for, org.users.doctor, "portal:home")
    assert "暂无待办事项" in page and "月底后填报" in page
    assert rows(page) == {}


def test_a_submitted_report_is_not_a_doctors_todo(org):
    year, month = reporting_month(today())
    report(org.ca1a, year, month, ServiceReport.Status.VERIFIED)
    labels = [item.label for item in inbox_for(user=org.users.doctor, today=today()).items]
    assert f"{month}月月报还没有提交" not in labels


# --------------------------------------------------------------------------- bounded queries


def count_inbox_queries(user, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        inbox_for(user=user, today=today())
    return len(captured.captured_queries)


def test_inbox_queries_do_not_grow_with_the_items(org, django_assert_max_num_queries):
    sheet = make_sheet(org.county_a)
    township_items(org, township=org.ta1, clinic=org.ca1a, sheet=sheet)
    users = {name: getattr(org.users, name) for name in ("township", "county", "doctor", "editor", "moderator")}
    for user in users.values():
        inbox_for(user=user, today=today())  # the user's scope is read once, then kept on the user
    small = {name: count_inbox_queries(u, django_assert_max_num_queries, 10) for name, u in users.items()}
    for _i in range(3):
        township_items(org, township=org.ta1, clinic=org.ca1b, sheet=sheet, quarter=_i + 1)
        run(org.county_a, org.ta1, SettlementRun.Status.CONFIRMED)
        finding(org.ca1a, org, deadline=today() + timedelta(days=3))
        submit(notice(org.county_a, f"待审核通知{_i}", owner=org.users.editor), org.users.editor)
        notice(org.county_a, f"通知草稿{_i}", owner=org.users.editor)
    large = {name: count_inbox_queries(u, django_assert_max_num_queries, 10) for name, u in users.items()}
    assert large == small


def test_homes_stay_within_their_query_budget(org, client_for, django_assert_max_num_queries):
    sheet = make_sheet(org.county_a)
    township_items(org, township=org.ta1, clinic=org.ca1a, sheet=sheet)
    for user, url_name, limit in (
        (org.users.township, "wagtailadmin_home", 50),
        (org.users.county, "wagtailadmin_home", 58),
        (org.users.editor, "wagtailadmin_home", 40),
        (org.users.moderator, "wagtailadmin_home", 40),
        (org.users.doctor, "portal:home", 24),
    ):
        client = client_for(user)
        client.get(reverse(url_name))
        with django_assert_max_num_queries(limit):
            assert client.get(reverse(url_name)).status_code == 200
