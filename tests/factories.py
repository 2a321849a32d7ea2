"""Builders for test data, through the real models and services (no mocks)."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth import get_user_model

from clinics.models import City, Clinic, ClinicPopulation, County, Province, Township
from clinics.roles import Role
from clinics.services import create_user_with_role

PASSWORD = "test-pass-123"


def make_county(code="QS", name="青山县"):
    return County.objects.create(code=code, name=name, health_bureau_name=f"{name}卫生健康局")


def make_township(county, code, name):
    return Township.objects.create(county=county, code=code, name=name, health_center_name=f"{name}卫生院")


def make_clinic(township, code, name, *, year=2026, resident=1000, aged_65_plus=150, children_0_6=60):
    clinic = Clinic.objects.create(township=township, code=code, name=name, village=name.replace("卫生室", ""))
    ClinicPopulation.objects.create(
        clinic=clinic,
        year=year,
        resident=resident,
        registered=resident,
        insured=resident,
        aged_65_plus=aged_65_plus,
        children_0_6=children_0_6,
    )
    return clinic


def make_user(username, role=None, **place):
    if role is None:
        return get_user_model().objects.create_user(username=username, password=PASSWORD)
    return create_user_with_role(username=username, password=PASSWORD, role=role, full_name=username, **place)


def build_org():
    """Two counties of one province (省 P), each in its own city: county A (city X): townships A1 (clinics A1a,
    A1b) and A2 (clinic A2a); county B (city Y): township B1 (clinic B1a). One user per role and place, plus a
    user with no role; the city official is city X's, the province official province P's."""
    province = Province.objects.create(code="P", name="示范省")
    city_x = City.objects.create(province=province, code="X", name="东山市")
    city_y = City.objects.create(province=province, code="Y", name="西河市")
    county_a = make_county("QS", "青山县")
    county_b = make_county("LS", "绿水县")
    County.objects.filter(pk=county_a.pk).update(city=city_x)
    County.objects.filter(pk=county_b.pk).update(city=city_y)
    county_a.city, county_b.city = city_x, city_y
    ta1 = make_township(county_a, "A1", "城关镇")
    ta2 = make_township(county_a, "A2", "石桥镇")
    tb1 = make_township(county_b, "B1", "柳河乡")
    ca1a = make_clinic(ta1, "A1a", "张庄村卫生室")
    ca1b = make_clinic(ta1, "A1b", "李家村卫生室")
    ca2a = make_clinic(ta2, "A2a", "王营村卫生室")
    cb1a = make_clinic(tb1, "B1a", "赵寨村卫生室")
    User = get_user_model()
    users = SimpleNamespace(
        superuser=User.objects.create_superuser("root", "root@example.com", PASSWORD),
        county=make_user("county_a", Role.COUNTY_ADMIN, county=county_a),
        other_county=make_user("county_b", Role.COUNTY_ADMIN, county=county_b),
        editor=make_user("editor_a", Role.NOTICE_EDITOR, county=county_a),
        moderator=make_user("moderator_a", Role.NOTICE_MODERATOR, county=county_a),
        township=make_user("staff_a1", Role.TOWNSHIP_STAFF, township=ta1),
        other_township=make_user("staff_a2", Role.TOWNSHIP_STAFF, township=ta2),
        doctor=make_user("doc_a1a", Role.VILLAGE_DOCTOR, clinic=ca1a),
        other_doctor=make_user("doc_a1b", Role.VILLAGE_DOCTOR, clinic=ca1b),
        far_doctor=make_user("doc_b1a", Role.VILLAGE_DOCTOR, clinic=cb1a),
        norole=make_user("nobody"),
        city=make_user("city_x", Role.CITY_OFFICIAL, city=city_x),
        province=make_user("province_p", Role.PROVINCE_OFFICIAL, province=province),
    )
    return SimpleNamespace(
        province=province,
        city_x=city_x,
        city_y=city_y,
        county_a=county_a,
        county_b=county_b,
        ta1=ta1,
        ta2=ta2,
        tb1=tb1,
        ca1a=ca1a,
        ca1b=ca1b,
        ca2a=ca2a,
        cb1a=cb1a,
        users=users,
    )
