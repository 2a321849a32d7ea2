"""Listings use the same bounded number of queries for 10 clinics and for 500."""

import pytest
from django.urls import reverse

from clinics.models import Clinic, ClinicPopulation


def add_clinics(township, n):
    clinics = Clinic.objects.bulk_create(
        Clinic(township=township, code=f"{township.code}X{i:04d}", name=f"测试{i}村卫生室", village=f"测试{i}村")
        for i in range(n)
    )
    ClinicPopulation.objects.bulk_create(
        ClinicPopulation(
            clinic=c, year=2026, resident=900, registered=900, insured=880, aged_65_plus=120, children_0_6=50
        )
        for c in clinics
    )


def count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("url_name", ["clinic:index", "clinicpopulation:index", "township:index", "userscope:index"])
def test_admin_listing_queries_do_not_grow(org, client_for, django_assert_max_num_queries, url_name):
    client = client_for(org.users.county)
    url = reverse(url_name)
    small = count_queries(client, url, django_assert_max_num_queries, 40)
    add_clinics(org.ta1, 500)
    large = count_queries(client, url, django_assert_max_num_queries, 40)
    assert large == small


def test_clinic_listing_shows_only_scope(org, client_for):
    add_clinics(org.ta2, 3)
    page = client_for(org.users.township).get(reverse("clinic:index")).content.decode()
    assert "张庄村卫生室" in page and "王营村卫生室" not in page and "测试1村卫生室" not in page


def test_portal_home_queries_do_not_grow(org, client_for, django_assert_max_num_queries):
    client = client_for(org.users.doctor)
    # 23: the session is saved on every request (SESSION_SAVE_EVERY_REQUEST: expiry counts from the last one);
    # the inbox (core.inbox) reads about one query per kind of row; one query reads the doctor's unread
    # reminders (doctors.dashboard_tiles).
    small = count_queries(client, reverse("portal:home"), django_assert_max_num_queries, 23)
    add_clinics(org.ta1, 500)
    large = count_queries(client, reverse("portal:home"), django_assert_max_num_queries, 23)
    assert large == small


def test_export_queries_do_not_grow(org, django_assert_max_num_queries):
    from core import dataio

    dataio.export_bytes(resource_name="clinics", fmt="csv", user=org.users.county)  # warms the permission cache
    with django_assert_max_num_queries(12) as small:
        dataio.export_bytes(resource_name="clinics", fmt="csv", user=org.users.county)
    add_clinics(org.ta1, 500)
    with django_assert_max_num_queries(12) as large:
        content = dataio.export_bytes(resource_name="clinics", fmt="csv", user=org.users.county)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert content.decode("utf-8-sig").count("\n") == 3 + 500 + 1
