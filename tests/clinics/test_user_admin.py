"""County admins create logins with a role and place inside their county; bad input is a field error."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from clinics.models import UserScope
from clinics.selectors import clinics_for


def post_new(client, **data):
    base = {
        "username": "newdoc",
        "full_name": "王医生",
        "password": "Xy7-long-pass",
        "role": "village_doctor",
        "county": "",
        "township": "",
        "clinic": "",
    }
    base.update(data)
    return client.post(reverse("userscope:add"), base)


def test_county_admin_creates_a_doctor_login(org, client_for):
    response = post_new(client_for(org.users.county), clinic=org.ca2a.pk)
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newdoc")
    assert user.check_password("Xy7-long-pass") and user.first_name == "王医生"
    assert list(clinics_for(user)) == [org.ca2a]


def test_place_must_match_role_and_scope(org, client_for):
    client = client_for(org.users.county)
    page = post_new(client, township=org.ta1.pk).content.decode()
    assert "必须选择村卫生室" in page and "不需要选择乡镇" in page
    page = post_new(client, clinic=org.cb1a.pk).content.decode()  # county B's clinic
    assert "clinic" in page and not get_user_model().objects.filter(username="newdoc").exists()
    page = post_new(client, username="doc_a1a", clinic=org.ca1a.pk).content.decode()
    assert "已被使用" in page
    page = post_new(client, password="123", clinic=org.ca1a.pk).content.decode()
    assert get_user_model().objects.filter(username="newdoc").count() == 0


def test_editing_a_role_cannot_break_the_constraint(org, client_for):
    scope = org.users.doctor.scope
    response = client_for(org.users.county).post(
        reverse("userscope:edit", args=[scope.pk]),
        {"user": org.users.doctor.pk, "role": "township_staff", "county": "", "township": "", "clinic": org.ca1a.pk},
    )
    assert response.status_code == 200
    assert "必须选择乡镇" in response.content.decode()
    assert UserScope.objects.get(pk=scope.pk).role == "village_doctor"
