"""A way back in after a forgotten password: the township resets a village doctor's login (a temporary password
shown once, recorded in the doctor's change history), staff reset theirs by e-mail, everyone changes their own."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEntry
from doctors import services
from doctors.models import VillageDoctor
from tests.doctors.helpers import make_doctor
from tests.factories import PASSWORD


def _works(user, password: str) -> bool:
    return get_user_model().objects.get(pk=user.pk).check_password(password)


TEMPORARY = re.compile(r'<code class="temporary-password">([A-Z0-9]+)</code>')


def test_township_resets_a_doctors_password_and_the_doctor_changes_it(org, client_for):
    doctor = make_doctor(org.ca1a, user=org.users.doctor)
    staff = client_for(org.users.township)
    url = reverse("doctors:reset_password", args=[doctor.pk])
    assert url in staff.get(reverse("villagedoctor:index")).content.decode()
    page = staff.get(url).content.decode()
    assert "从未重置" in page and org.users.doctor.username in page and "生成临时密码" in page

    earlier_session = client_for(org.users.doctor)
    response = staff.post(url)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = TEMPORARY.search(response.content.decode()).group(1)
    assert len(password) == services.TEMPORARY_PASSWORD_LENGTH
    assert set(password) <= set(services.TEMPORARY_PASSWORD_ALPHABET)
    assert not _works(org.users.doctor, PASSWORD)
    assert _works(org.users.doctor, password)

    doctor.refresh_from_db()
    entry = AuditEntry.objects.filter(content_type__model="villagedoctor", object_id=doctor.pk).latest("timestamp")
    assert entry.actor == org.users.township and "password_reset_at" in entry.changes_dict
    assert password not in str(entry.changes) and "卫生院重置登录密码" in str(entry.__dict__)
    assert doctor.password_reset_at is not None
    assert timezone.localtime(doctor.password_reset_at).strftime("%Y-%m-%d %H:%M") in staff.get(url).content.decode()

    # The reset ends the sessions of whoever was logged in with the old password.
    assert earlier_session.get(reverse("portal:home"))["Location"].startswith(reverse("accounts:login"))
    org.users.doctor.refresh_from_db()
    doctor_client = client_for(org.users.doctor)
    assert "修改密码" in doctor_client.get(reverse("portal:home")).content.decode()
    response = doctor_client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "山河村医2027", "new_password2": "山河村医2027"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change_done")
    assert "新密码已生效" in doctor_client.get(response["Location"]).content.decode()
    assert _works(org.users.doctor, "山河村医2027")


def test_a_wrong_old_password_or_a_short_new_one_is_refused_in_chinese(org, client_for):
    client = client_for(org.users.doctor)
    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "abc", "new_password2": "abc"},
    ).content.decode()
    assert "密码太短" in page or "旧密码" in page
    assert _works(org.users.doctor, PASSWORD)


def test_a_doctor_without_a_login_or_of_another_township_is_refused(org, client_for):
    without_login = make_doctor(org.ca1a)
    response = client_for(org.users.township).post(reverse("doctors:reset_password", args=[without_login.pk]))
    assert response.status_code == 400 and "还没有登录账号" in response.content.decode()
    theirs = make_doctor(org.ca1a, user=org.users.doctor, name="王秀兰")
    with pytest.raises(ValidationError, match="管辖范围"):
        services.reset_doctor_password(user=org.users.other_township, doctor=theirs)
    assert _works(org.users.doctor, PASSWORD)
    assert VillageDoctor.objects.get(pk=theirs.pk).password_reset_at is None


def test_staff_reset_a_forgotten_password_by_e_mail(org, client):
    staff = org.users.township
    staff.email = "clerk@example.cn"
    staff.save(update_fields=["email"])
    login_page = client.get(reverse("accounts:login")).content.decode()
    assert reverse("accounts:password_reset") in login_page and "忘记密码" in login_page
    page = client.get(reverse("accounts:password_reset")).content.decode()
    assert "请联系本乡镇卫生院" in page

    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.cn"})
    assert response["Location"] == reverse("accounts:password_reset_done") and not mail.outbox
    client.post(reverse("accounts:password_reset"), {"email": "clerk@example.cn"})
    (message,) = mail.outbox
    assert message.to == ["clerk@example.cn"] and "重置" in message.subject and staff.username in message.body
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "卫生院2027新", "new_password2": "卫生院2027新"}
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert _works(staff, "卫生院2027新")
    used = client.get(link, follow=True).content.decode()
    assert "已失效" in used
