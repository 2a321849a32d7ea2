"""Demo data of the complaints register: a dozen complaints over the year from the hotline and the townships,
most answered and closed (some founded, so that the assessments' complaints item has something to deduct), two
still open — one of them past its deadline."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from clinics.demo import person_name
from clinics.models import Clinic
from core import audit
from programs.models import Complaint, ComplaintRule
from programs.services import complaints

DEMO_SOURCE = "演示数据（seed_demo）"
TEXTS = {
    Complaint.Kind.ATTITUDE: "看病时村医态度不耐烦，问两句就不理人",
    Complaint.Kind.FEES: "买的药比镇卫生院贵，没有给票据",
    Complaint.Kind.FALSE_SERVICE: "说给我做了高血压随访，其实没人来过",
    Complaint.Kind.QUALITY: "老人体检只量了血压，别的都没查",
}


def seed(ctx) -> None:
    rng = ctx.rng
    ComplaintRule.objects.create(county=ctx.county, answer_within_hours=40)
    clinics = list(Clinic.objects.filter(township__county=ctx.county).select_related("township").order_by("code"))
    staff = {
        u.scope.township_id: u
        for u in get_user_model()
        .objects.filter(scope__role="township_staff", scope__township__county=ctx.county)
        .select_related("scope")
    }
    now = timezone.localtime()
    start = timezone.make_aware(datetime.combine(now.date().replace(month=1, day=1), time(9)))
    span = max((now - start).days - 2, 1)
    for n in range(12):
        clinic = rng.choice(clinics)
        user = staff[clinic.township_id]
        kind = rng.choice(list(TEXTS))
        received = start + timedelta(days=rng.randrange(span), hours=rng.randrange(8))
        if n >= 10:  # the two newest: one received yesterday (open), one weeks ago and never answered (late)
            received = now - timedelta(days=1 if n == 10 else 30)
        received = min(received, now - timedelta(hours=1))  # early in January the year has hardly begun
        with audit.action(user=user, source=DEMO_SOURCE):
            complaint = complaints.record_complaint(
                user=user,
                clinic=clinic,
                source=rng.choice([Complaint.Source.HOTLINE, Complaint.Source.TOWNSHIP]),
                kind=kind,
                received_at=received,
                description=TEXTS[kind],
                complainant=person_name(rng),
            )
            if n < 10:
                founded = rng.random() < 0.5
                complaints.handle_complaint(
                    user=user,
                    complaint=complaint,
                    answer="经核实情况属实，已约谈村医并责令整改"
                    if founded
                    else "经核实，村医已按规范提供服务，已向群众解释",
                    finding=Complaint.Finding.FOUNDED if founded else Complaint.Finding.UNFOUNDED,
                )
                # The demo's story: answered two days after it came in (the service records the moment it runs).
                answered = received + timedelta(days=2)
                Complaint.objects.filter(pk=complaint.pk).update(answered_at=answered, closed_at=answered)
    ctx.stdout.write("投诉登记：12 件（10 件已办结，2 件待答复）。")
