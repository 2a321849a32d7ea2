"""Dashboard tiles show the figures of the user's own scope, in a bounded number of queries."""

from datetime import date

from django.urls import reverse

from clinics.models import Clinic
from core.dashboard import staff_tiles


def tile(tiles, title_start):
    return next(t for t in tiles if t.title.startswith(title_start))


def test_organisation_tiles_count_only_the_scope(org):
    Clinic.objects.filter(pk=org.ca1b.pk).update(status=Clinic.Status.CLOSED)
    township_tiles = staff_tiles(user=org.users.township, today=date(2026, 6, 1))
    assert tile(township_tiles, "在运行的村卫生室").value == "1"
    assert tile(township_tiles, "服务人口").value == "2,000"  # A1a and A1b, 1,000 residents each
    county_tiles = staff_tiles(user=org.users.county, today=date(2026, 6, 1))
    assert tile(county_tiles, "在运行的村卫生室").value == "2"
    assert "城关镇" in tile(county_tiles, "在运行的村卫生室").chart


def test_admin_home_shows_tiles(org, client_for, django_assert_max_num_queries):
    client = client_for(org.users.county)
    client.get(reverse("wagtailadmin_home"))
    # A few queries per app's tiles and one or two per inbox row (core.inbox), whatever the county's size
    # (tests/clinics/test_queries.py and tests/clinics/test_inbox.py check growth).
    with django_assert_max_num_queries(56):
        page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "在运行的村卫生室" in page and "服务人口" in page
