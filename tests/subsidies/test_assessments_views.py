"""Admin and portal pages of assessments."""

from django.urls import reverse
from django.utils import timezone

from subsidies.models import Assessment, AssessmentEntry


def test_clerk_starts_fills_and_submits_through_the_admin(org, sheet, client_for):
    client = client_for(org.users.township)
    response = client.post(
        reverse("assessments:list"), {"clinic": org.ca1a.pk, "year": 2026, "quarter": 1, "assessed_on": "2026-04-08"}
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == reverse("assessments:edit", args=[assessment.pk])
    entries = {e.item.code: e.pk for e in AssessmentEntry.objects.select_related("item")}
    data = {
        f"achieved_{entries['A1']}": "0.5",
        f"occurrences_{entries['B1']}": "2",
        f"reason_{entries['B1']}": "缺诊断",
        f"passed_{entries['C1']}": "1",
        f"manual_score_{entries['D1']}": "12",
        f"occurrences_{entries['F1']}": "0",
    }
    page = client.post(reverse("assessments:edit", args=[assessment.pk]), {**data, "submit": "1"}).content.decode()
    assert "得分必须在 0 到 10" in page
    data[f"manual_score_{entries['D1']}"] = "8"
    client.post(reverse("assessments:edit", args=[assessment.pk]), {**data, "submit": "1"})
    assessment.refresh_from_db()
    assert assessment.status == "submitted" and str(assessment.total_score) == "74.00"
    # A second assessment of the same quarter is refused with a message, not a 500.
    response = client.post(
        reverse("assessments:list"), {"clinic": org.ca1a.pk, "year": 2026, "quarter": 1}, follow=True
    )
    assert "不能重复考核" in response.content.decode()
    # Another township's clinic cannot be assessed.
    assert (
        client.post(reverse("assessments:list"), {"clinic": org.ca2a.pk, "year": 2026, "quarter": 1}).status_code == 404
    )


def test_doctor_sees_deductions_and_appeals(org, sheet, client_for):
    from tests.subsidies.test_assessments_services import entries, submitted

    assessment = submitted(org, sheet)
    client = client_for(org.users.doctor)
    page = client.get(reverse("portal_assessments:detail", args=[assessment.pk])).content.decode()
    assert "74.00" in page and "处方书写不规范" in page and "扣 4.00 分" in page and "处方缺诊断 2 张" in page
    client.post(
        reverse("portal_assessments:detail", args=[assessment.pk]),
        {"entry": entries(assessment)["B1"].pk, "comment": "有一张处方写了诊断"},
    )
    assert "待处理" in client.get(reverse("portal_assessments:detail", args=[assessment.pk])).content.decode()
    # Another clinic's doctor cannot see it.
    assert (
        client_for(org.users.other_doctor).get(reverse("portal_assessments:detail", args=[assessment.pk])).status_code
        == 404
    )


def test_each_score_shows_what_it_was_computed_from_in_percent(org, sheet, client_for):
    """Completion rates in %, the satisfaction item with the clinic's rate and the county's average, a deduction
    with its count and rate; after submission the 考核意见 is text, not a disabled box."""
    from subsidies.services import assessments as services
    from tests.subsidies.test_assessments_services import fill, start

    services.record_satisfaction(
        user=org.users.township, clinic=org.ca1a, year=2026, quarter=1, surveyed=20, satisfied=16
    )
    services.record_satisfaction(
        user=org.users.township, clinic=org.ca1b, year=2026, quarter=1, surveyed=20, satisfied=20
    )
    assessment = fill(org, start(org, sheet), A1={"achieved": "0.9837"})
    assessment.notes = "处方规范需加强"
    assessment.save(update_fields=["notes"])
    services.submit_assessment(user=org.users.township, assessment=assessment)
    doctor = client_for(org.users.doctor).get(reverse("portal_assessments:detail", args=[assessment.pk]))
    page = doctor.content.decode()
    assert "完成率 98.37%（目标 100%，达到目标得满分）" in page
    assert "本卫生室群众满意度 80%，全县平均 90%；低于平均每 1 个百分点扣 1.00 分" in page
    assert "发现 2 次，每次扣 2.00 分" in page and "处方缺诊断 2 张" in page and "考核意见：处方规范需加强" in page
    staff = client_for(org.users.township).get(reverse("assessments:edit", args=[assessment.pk])).content.decode()
    scores = staff[: staff.index("history-panel")]  # (the history below keeps the stored value)
    assert "98.37%" in scores and "0.9837" not in scores and "本卫生室 80%，全县平均 90%" in scores
    assert 'data-testid="assessment-notes">处方规范需加强</p>' in staff and 'name="notes"' not in staff


def test_percent_filter():
    from core.templatetags.figures import percent

    assert [percent(v) for v in ("0.9837", 1, "0.5", "0.12345", None, "", "abc")] == [
        "98.37%",
        "100%",
        "50%",
        "12.35%",
        "—",
        "—",
        "—",
    ]


def test_the_ranking_opens_on_the_latest_assessed_quarter_and_the_tile_says_what_it_covers(org, sheet, client_for):
    from core.dashboard import staff_tiles
    from subsidies.services import assessments as services
    from tests.subsidies.test_assessments_services import fill, start

    services.submit_assessment(user=org.users.township, assessment=fill(org, start(org, sheet, quarter=2)))
    page = client_for(org.users.township).get(reverse("assessments:ranking")).content.decode()
    assert org.ca1a.name in page and 'value="2" selected' in page
    tiles = staff_tiles(user=org.users.township, today=timezone.localdate())
    tile = next(t for t in tiles if t.title == "2026年第2季度考核")
    assert "（已考核 1 / 2 个村卫生室）" in tile.detail  # township A1 runs two clinics
