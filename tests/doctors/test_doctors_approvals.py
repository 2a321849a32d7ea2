"""Licence renewal decisions (issue #18): returned and refused with a reason the doctor reads on the portal,
and no lost updates on the renewal decision and the licence edit form."""

import pytest
from django.urls import reverse
from django.utils import timezone

from doctors import services
from doctors.models import Licence, RenewalApplication
from tests.doctors.helpers import eligible_doctor


@pytest.fixture
def today():
    return timezone.localdate()


def applied(org, today):
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=30)
    return services.apply_for_renewal(licence=licence, user=org.users.doctor, on=today)


def test_refused_renewal_with_the_reason_on_the_doctors_phone(org, client_for, today):
    application = applied(org, today)
    detail = reverse("doctors:renewal", args=[application.pk])
    staff = client_for(org.users.township)
    assert staff.post(detail, {"action": "forward", "note": "", "version": application.version}).status_code == 302
    application.refresh_from_db()
    county = client_for(org.users.county)
    response = county.post(
        detail, {"action": "refuse", "note": "2025 年培训不足两周，请补训后再申请", "version": application.version}
    )
    assert response.status_code == 302
    page = client_for(org.users.doctor).get(reverse("portal_doctors:licence")).content.decode()
    assert "不予批准" in page or "未批准" in page
    assert "2025 年培训不足两周，请补训后再申请" in page


def test_returned_renewal_with_the_reason_on_the_doctors_phone(org, client_for, today):
    application = applied(org, today)
    detail = reverse("doctors:renewal", args=[application.pk])
    staff = client_for(org.users.township)
    response = staff.post(detail, {"action": "return", "note": "", "version": application.version})
    assert response.status_code == 400 and "退回申请时请填写原因" in response.content.decode()
    staff.post(detail, {"action": "return", "note": "请补交体检表", "version": application.version})
    application.refresh_from_db()
    assert application.status == RenewalApplication.Status.RETURNED
    assert application.licence.status == Licence.Status.VALID and application.licence.version == 1
    page = client_for(org.users.doctor).get(reverse("portal_doctors:licence")).content.decode()
    assert "卫生院退回原因：" in page and "请补交体检表" in page


def test_the_second_decision_on_a_changed_application_is_told(org, client_for, today):
    application = applied(org, today)
    detail = reverse("doctors:renewal", args=[application.pk])
    shown = application.version
    page = client_for(org.users.township).get(detail).content.decode()
    assert f'name="version" value="{shown}"' in page
    # The doctor's application changed meanwhile (here: another clerk forwarded it).
    services.township_review(application=application, user=org.users.township, forward=True, on=today)
    response = client_for(org.users.township).post(detail, {"action": "return", "note": "x", "version": shown})
    assert response.status_code == 400 and "修改，请刷新后再改" in response.content.decode()
    application.refresh_from_db()
    assert application.status == RenewalApplication.Status.FORWARDED


def licence_post(licence, **changes) -> dict:
    data = {
        "doctor": licence.doctor_id,
        "number": licence.number,
        "type": licence.type,
        "issued_on": licence.issued_on.isoformat(),
        "expires_on": licence.expires_on.isoformat(),
        "version": licence.version,
    }
    data.update(changes)
    return {k: str(v) for k, v in data.items()}


def test_two_people_editing_a_licence_the_second_is_told(org, client_for, today):
    _doctor, licence = eligible_doctor(org.ca1a, user=org.users.doctor, today=today, expires_in=300)
    url = reverse("licence:edit", args=[licence.pk])
    assert 'name="version"' in client_for(org.users.county).get(url).content.decode()
    shown = licence.version
    assert client_for(org.users.county).post(url, licence_post(licence, number="QS-2022-00077")).status_code == 302
    response = client_for(org.users.superuser).post(url, licence_post(licence, number="QS-2022-00099", version=shown))
    assert response.status_code == 200 and "请刷新后再改" in response.content.decode()
    licence.refresh_from_db()
    assert licence.number == "QS-2022-00077" and licence.changed_by == org.users.county
