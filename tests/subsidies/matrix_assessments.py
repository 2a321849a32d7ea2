from datetime import date
from decimal import Decimal

from django.utils import timezone

from subsidies.models import Assessment, ScoreItem, ScoreSheet
from tests.permissions import DENIED, NOT_FOUND, Case, doctor_portal, staff_admin

STAFF = staff_admin(editor=DENIED)
A1 = staff_admin(other_township=NOT_FOUND, other_county=NOT_FOUND, editor=DENIED)
COUNTY_CHANGE = staff_admin(township=DENIED, other_township=DENIED, editor=DENIED)


def sheet(org):
    s, _ = ScoreSheet.objects.get_or_create(county=org.county_a, year=2026, version=1, defaults={"name": "表"})
    ScoreItem.objects.get_or_create(
        sheet=s,
        code="B1",
        defaults={
            "category": "medical",
            "name": "处方",
            "mode": "deduction",
            "max_points": Decimal(20),
            "points_per_occurrence": Decimal(2),
        },
    )
    return s


def assessment(org, status="submitted"):
    a, _ = Assessment.objects.get_or_create(
        clinic=org.ca1a,
        year=2026,
        quarter=1,
        defaults={
            "sheet": sheet(org),
            "assessor": org.users.township,
            "assessed_on": date(2026, 3, 30),
            "status": status,
            "total_score": Decimal(90),
            "submitted_at": timezone.now(),
        },
    )
    return [a.pk]


def item(org):
    sheet(org)
    return [ScoreItem.objects.get(code="B1", sheet__county=org.county_a).pk]


def sheet_pk(org):
    return [sheet(org).pk]


SHEET_A = staff_admin(other_county=NOT_FOUND, editor=DENIED)
SHEET_A_CHANGE = SHEET_A | {"township": DENIED, "other_township": DENIED}


def evidence(org):
    from django.core.files.base import ContentFile

    from subsidies.models import AssessmentEvidence

    item = AssessmentEvidence.objects.create(
        assessment_id=assessment(org)[0],
        uploaded_by=org.users.township,
        file=ContentFile(b"%PDF-1.4 matrix", name="matrix-evidence.pdf"),
    )
    return [item.pk]


CASES = [
    Case("portal_assessments:index", doctor_portal()),
    Case("portal_assessments:evidence", doctor_portal(other_doctor=NOT_FOUND, far_doctor=NOT_FOUND), args=evidence),
    Case("assessments:evidence", A1, args=evidence),
    Case("portal_assessments:detail", doctor_portal(other_doctor=NOT_FOUND, far_doctor=NOT_FOUND), args=assessment),
    Case("assessments:list", STAFF),
    Case("data:import", STAFF, args=lambda o: ["assessment_scores"], id="import assessment scores"),
    Case("data:export", STAFF, args=lambda o: ["assessment_scores"], id="export assessment scores"),
    Case("data:template", STAFF, args=lambda o: ["assessment_scores"], id="template assessment scores"),
    Case("assessments:edit", A1, args=assessment),
    Case(
        "assessments:edit",
        A1 | {"township": NOT_FOUND, "county": NOT_FOUND, "superuser": NOT_FOUND, "editor": NOT_FOUND},
        args=lambda o: [424242],
        id="guessed assessment",
    ),
    Case("assessments:inspections", STAFF),
    Case("assessments:satisfaction", STAFF),
    Case("assessments:appeals", STAFF),
    Case("assessments:ranking", STAFF),
    Case("assessments:ranking_export", STAFF),
    Case("scoresheet:index", STAFF),
    Case("scoresheet:index_results", STAFF),
    Case("scoresheet:add", COUNTY_CHANGE),
    Case("scoresheet:edit", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoresheet:copy", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoresheet:history", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoresheet:history_results", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoresheet:usage", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoresheet:delete", SHEET_A_CHANGE, args=sheet_pk),
    Case("scoreitem:index", STAFF),
    Case("scoreitem:index_results", STAFF),
    Case("scoreitem:add", COUNTY_CHANGE),
    Case("scoreitem:edit", SHEET_A_CHANGE, args=item),
    Case("scoreitem:copy", SHEET_A_CHANGE, args=item),
    Case("scoreitem:history", SHEET_A_CHANGE, args=item),
    Case("scoreitem:history_results", SHEET_A_CHANGE, args=item),
    Case("scoreitem:usage", SHEET_A_CHANGE, args=item),
    Case("scoreitem:delete", SHEET_A_CHANGE, args=item),
]
