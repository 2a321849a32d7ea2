"""The sampling pages (#17): the whole phone only for the assigned staff member, each such view recorded; masked
elsewhere; the outcome buttons; 应用到月报 and the read-only tallies of the verification page; the doctor's findings
(masked) and their dispute; the draw_samples command."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from programs.models import SampleEntry, SamplingRule, ServiceReportLine
from programs.services import sampling
from residents.models import PersonalDataAccess
from tests.programs.sampling_helpers import make_records, make_report

pytestmark = pytest.mark.django_db
Outcome = SampleEntry.Outcome


@pytest.fixture
def sample(org, services):
    item = services["PH09"]
    make_records(org.ca1a, item, count=20)
    make_report(org.ca1a, {item: 20})
    SamplingRule.objects.create(county=org.county_a, year=2026, share=Decimal("0.25"), reserve=2)
    [drawn] = sampling.draw_samples(user=None, year=2026, month=3, seed=11)
    return drawn


def test_whole_phone_only_for_the_assignee_and_logged(org, sample, client_for):
    url = reverse("sampling:calls", args=[sample.pk])
    entry = sample.entries.filter(reserve=False).select_related("record__resident").first()
    whole = "1380000" + f"{int(entry.record.resident_name.removeprefix('居民')):04d}"
    masked = whole[:3] + "****" + whole[-4:]
    # Nobody assigned: the township's staff may call but see masked numbers (whole only for an assignee).
    page = client_for(org.users.township).get(url).content.decode()
    assert masked in page and whole not in page and "tel:" not in page
    assert not PersonalDataAccess.objects.exists()
    sampling.assign_sample(user=org.users.county, sample=sample, assignee=org.users.township)
    page = client_for(org.users.township).get(url).content.decode()
    assert f'href="tel:{whole}"' in page
    access = PersonalDataAccess.objects.get()
    assert access.user == org.users.township and access.kind == "whole_phone"
    assert access.resident_count == sample.size and entry.record.resident_id in set(
        access.residents.values_list("pk", flat=True)
    )
    page = client_for(org.users.county).get(url).content.decode()
    assert whole not in page and masked in page and "outcome-confirmed" not in page
    assert PersonalDataAccess.objects.count() == 1
    detail = client_for(org.users.township).get(reverse("sampling:sample", args=[sample.pk])).content.decode()
    assert whole not in detail and entry.record.id_number_masked in detail


def test_outcome_buttons_and_apply_to_report(org, sample, client_for):
    client = client_for(org.users.township)
    url = reverse("sampling:calls", args=[sample.pk])
    entries = list(sample.entries.filter(reserve=False).order_by("position"))
    for entry in entries[:-1]:
        assert client.post(url, {"entry": entry.pk, "outcome": "confirmed", "note": ""}).status_code == 302
    client.post(url, {"entry": entries[-1].pk, "outcome": "not_confirmed", "note": "没做过随访"})
    bad = client.post(url, {"entry": entries[0].pk, "outcome": "maybe"})
    assert bad.status_code == 200 and "help-critical" in bad.content.decode()
    response = client.post(reverse("sampling:sample", args=[sample.pk]), {"apply": ""})
    assert response.status_code == 302
    line = ServiceReportLine.objects.get(report__clinic=org.ca1a, report__year=2026, report__month=3)
    assert (line.sample_checked, line.sample_confirmed, line.verified_count) == (5, 4, 16)  # 20 × 4/5
    page = client.get(reverse("reports:verify", args=[line.report_id]) + "?edit=1").content.decode()
    assert "来自回访名单" in page and 'name="checked_' + str(line.item_id) not in page
    # Typed tallies for a sampled line are ignored: the call list's stand.
    client.post(
        reverse("reports:verify", args=[line.report_id]),
        {
            "version": line.report.version,
            f"method_{line.item_id}": "home",
            f"checked_{line.item_id}": "5",
            f"confirmed_{line.item_id}": "5",
            "verify": "",
        },
    )
    line.refresh_from_db()
    assert line.verified_count == 16


def test_redraw_form_needs_a_reason(org, sample, client_for):
    client = client_for(org.users.township)
    page = client.post(reverse("sampling:sample", args=[sample.pk]), {"redraw": "", "reason": ""})
    assert page.status_code == 200 and "请填写重新抽取的原因" in page.content.decode()
    response = client.post(reverse("sampling:sample", args=[sample.pk]), {"redraw": "", "reason": "名单有误"})
    sample.refresh_from_db()
    assert response.status_code == 302 and sample.superseded_by is not None


def test_draw_button(org, services, client_for):
    item = services["PH09"]
    make_records(org.ca1a, item, count=8)
    make_report(org.ca1a, {item: 8})
    response = client_for(org.users.township).post(reverse("sampling:list"), {"year": "2026", "month": "3", "draw": ""})
    assert response.status_code == 302
    page = client_for(org.users.township).get(response["Location"]).content.decode()
    assert 'data-sample="A1a-PH09"' in page and "0 / 3" in page


def test_doctor_sees_findings_masked_and_disputes(org, sample, client_for):
    entry = sample.entries.filter(reserve=False).select_related("record").first()
    sampling.record_outcome(user=org.users.township, entry=entry, outcome=Outcome.NOT_CONFIRMED)
    client = client_for(org.users.doctor)
    page = client.get(reverse("portal_sampling:findings")).content.decode()
    assert entry.record.id_number_masked in page and entry.record.resident_name not in page
    assert "不属实" in page and 'data-testid="dispute"' in page
    assert (
        client.post(reverse("portal_sampling:findings"), {"entry": entry.pk, "note": "有随访记录"}).status_code == 302
    )
    entry.refresh_from_db()
    assert entry.dispute_note == "有随访记录" and entry.disputed_at is not None
    other = client_for(org.users.other_doctor).get(reverse("portal_sampling:findings")).content.decode()
    assert entry.record.id_number_masked not in other


def test_dispute_window(org, sample):
    entry = sample.entries.filter(reserve=False).first()
    sampling.record_outcome(user=org.users.township, entry=entry, outcome=Outcome.NOT_CONFIRMED)
    late = timezone.localdate() + timedelta(days=sampling.DISPUTE_DAYS + 1)
    with pytest.raises(Exception, match="申诉期已过"):
        sampling.dispute_entry(user=org.users.doctor, entry=entry, note="迟了", today=late)


def test_command_json(org, services):
    item = services["PH09"]
    make_records(org.ca1a, item, count=30)
    make_report(org.ca1a, {item: 30})
    out = StringIO()
    call_command("draw_samples", "--year", "2026", "--month", "3", "--seed", "4", "--json", stdout=out)
    [row] = json.loads(out.getvalue())
    assert (row["clinic"], row["item"], row["record_count"], row["size"]) == ("A1a", "PH09", 30, 3)
    assert row["seed"] == sampling.derived_seed(4, "A1a", "PH09", 2026, 3)
    assert row["positions"] == [1, 2, 3] and row["reserve_positions"] == [4, 5, 6]
    assert "居民" not in out.getvalue() and "1380000" not in out.getvalue()
    again = StringIO()
    call_command("draw_samples", "--year", "2026", "--month", "3", "--json", stdout=again)
    assert json.loads(again.getvalue()) == []


# --------------------------------------------------------------------------- the county's sampling rule (抽查规则)


def test_samples_page_states_the_rule_the_draw_will_use(org, services, client_for):
    page = client_for(org.users.township).get(reverse("sampling:list") + "?year=2026&month=3").content.decode()
    assert "本县 2026 年还没有设定抽查规则，按默认规则" in page and "抽查比例 5%" in page
    assert ">查看抽查规则<" in page and ">设定抽查规则<" not in page  # township staff read it only
    SamplingRule.objects.create(county=org.county_a, year=2026, share=Decimal("0.25"), minimum=2, maximum=9)
    page = client_for(org.users.county).get(reverse("sampling:list") + "?year=2026&month=3").content.decode()
    assert "本县 2026 年抽查规则：" in page and "抽查比例 25%" in page and "最多 9 人" in page
    assert "修改抽查规则" in page


def test_county_admin_sets_the_rule_and_shares_read_as_percentages(org, client_for):
    client = client_for(org.users.county)
    form = client.get(reverse("samplingrule:add")).content.decode()
    assert "0.05 表示 5%" in form
    fields = {
        "county": str(org.county_a.pk),
        "year": "2026",
        "share": "0.1",
        "minimum": "4",
        "maximum": "12",
        "reserve": "2",
        "max_attempts": "3",
        "high_risk_share": "1",
        "medium_risk_share": "0.5",
        "low_risk_share": "0.2",
        "unchecked_basis": "historical",
    }
    assert client.post(reverse("samplingrule:add"), fields).status_code == 302
    rule = SamplingRule.objects.get(county=org.county_a, year=2026)
    assert (rule.share, rule.minimum, rule.low_risk_share) == (Decimal("0.1"), 4, Decimal("0.2"))
    listing = client.get(reverse("samplingrule:index")).content.decode()
    assert (
        "10%" in listing and "高 100%、中 50%、低 20%" in listing and "4–12 人" in listing and "按历史真实率" in listing
    )
    # The draw uses it.
    assert sampling.rule_for(county_id=org.county_a.pk, year=2026).pk == rule.pk


def test_a_rule_with_minimum_above_maximum_is_a_field_error_not_a_500(org, client_for):
    fields = {
        "county": str(org.county_a.pk),
        "year": "2026",
        "share": "0.05",
        "minimum": "30",
        "maximum": "5",
        "reserve": "3",
        "max_attempts": "3",
        "high_risk_share": "1",
        "medium_risk_share": "1",
        "low_risk_share": "1",
        "unchecked_basis": "declared",
    }
    response = client_for(org.users.county).post(reverse("samplingrule:add"), fields)
    assert response.status_code == 200
    assert not SamplingRule.objects.exists()
    fields.update(minimum="3", share="1.5")
    response = client_for(org.users.county).post(reverse("samplingrule:add"), fields)
    assert response.status_code == 200 and not SamplingRule.objects.exists()


def test_the_county_b_rule_is_not_offered_to_county_a(org, client_for):
    SamplingRule.objects.create(county=org.county_b, year=2026, share=Decimal("0.33"))
    listing = client_for(org.users.county).get(reverse("samplingrule:index")).content.decode()
    assert "33%" not in listing
