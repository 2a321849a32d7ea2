"""Audience rules: who sees which notice, on the public site and in the portal."""

import pytest
from django.urls import reverse

from cms.selectors import visible_notices

pytestmark = pytest.mark.django_db


def titles(user):
    return set(visible_notices(user=user).values_list("title", flat=True))


def test_anonymous_sees_only_published_public_notices(notices):
    from django.contrib.auth.models import AnonymousUser

    assert titles(AnonymousUser()) == {notices.public.title, notices.far_public.title}


def test_doctor_sees_public_own_county_doctor_notices_and_own_township(org, notices):
    assert titles(org.users.doctor) == {
        notices.public.title,
        notices.doctors.title,
        notices.a1_only.title,
        notices.far_public.title,
    }


def test_doctor_of_another_township_never_sees_a_township_notice(org, notices):
    from clinics.roles import Role
    from tests.factories import make_user

    a2_doctor = make_user("doc_a2a", Role.VILLAGE_DOCTOR, clinic=org.ca2a)
    assert notices.a1_only.title not in titles(a2_doctor)
    assert notices.doctors.title in titles(a2_doctor)


def test_far_doctor_sees_own_county_only(org, notices):
    assert titles(org.users.far_doctor) == {notices.public.title, notices.far_public.title, notices.far_doctors.title}


def test_drafts_expired_and_scheduled_are_invisible_to_everyone(org, notices):
    hidden = {notices.draft.title, notices.expired.title, notices.scheduled.title}
    for user in vars(org.users).values():
        assert not hidden & titles(user), user.username
    assert notices.scheduled.live is False


def test_expired_notice_is_hidden_before_publish_scheduled_runs(notices):
    # Still live=True in the database (publish_scheduled has not unpublished it) but past expire_at.
    assert notices.expired.live is True
    assert not visible_notices(user=None).filter(pk=notices.expired.pk).exists()


@pytest.mark.parametrize(
    "who,which,status",
    [
        ("anonymous", "public", 200),
        ("anonymous", "doctors", 404),
        ("anonymous", "a1_only", 404),
        ("anonymous", "draft", 404),
        ("anonymous", "expired", 404),
        ("anonymous", "scheduled", 404),
        ("doctor", "doctors", 200),
        ("doctor", "a1_only", 200),
        ("doctor", "far_doctors", 404),
        ("far_doctor", "a1_only", 404),
        ("other_township", "a1_only", 404),
        ("township", "a1_only", 200),
        ("other_county", "doctors", 404),
        ("county", "doctors", 200),
    ],
)
def test_page_urls_follow_the_audience(org, notices, client_for, who, which, status):
    user = None if who == "anonymous" else getattr(org.users, who)
    page = getattr(notices, which)
    url = page.url or f"/notices-qs/{page.slug}/"
    response = client_for(user).get(url)
    assert response.status_code == status, url


def test_public_notice_page_shows_its_fields(client, notices):
    response = client.get(notices.public.url)
    html = response.content.decode()
    assert "关于村医补助标准的通知" in html and "青山县卫生健康局" in html and "高血压患者随访补助" in html


def test_index_filters_by_category_and_year_and_paginates(client, org, notices):
    from cms.models import NoticeIndexPage

    index = NoticeIndexPage.objects.get(county=org.county_a)
    html = client.get(index.url, {"category": "training"}).content.decode()
    assert "慢病管理培训通知" not in html  # doctors-only: not on the public index
    html = client.get(index.url, {"category": "policy"}).content.decode()
    assert "关于村医补助标准的通知" in html
    html = client.get(index.url, {"year": "1999"}).content.decode()
    assert "关于村医补助标准的通知" in html  # an unknown year is ignored, not an error
    assert client.get(index.url, {"page": "abc"}).status_code == 200


def test_home_page_lists_latest_public_notices_by_category(client, notices):
    html = client.get("/").content.decode()
    assert "关于村医补助标准的通知" in html and "绿水县村医补助公示" in html
    assert "慢病管理培训通知" not in html and "尚未发布" not in html


def test_home_page_and_index_use_a_bounded_number_of_queries(client, org, notices, django_assert_max_num_queries):
    from tests.cms.conftest import add_notice

    for i in range(15):
        add_notice(org.county_a, f"批量通知{i}")
    from django.core.cache import cache

    cache.clear()
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(reverse("notices:search"), {"q": "通知"}).status_code == 200


def test_cached_home_page_costs_fewer_queries(client, notices):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get("/")
    with CaptureQueriesContext(connection) as second:
        html = client.get("/").content.decode()
    assert "关于村医补助标准的通知" in html
    assert len(second.captured_queries) <= len(first.captured_queries) - 4  # the per-category lists
