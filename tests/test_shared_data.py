"""The shared organisation (tests/conftest.py): built once, yet every test sees it fresh and unmodified."""

import threading

import pytest

from clinics.models import Clinic, County
from tests import shared_data

SEEN = {}


def test_a_test_may_change_and_delete_the_org(org):
    SEEN["builds"] = shared_data.BUILDS.get("org")
    SEEN["county"] = org.county_a
    org.county_a.name = "改名县"
    org.county_a.save()
    org.ca2a.delete()
    org.users.doctor.first_name = "改名"
    org.ta1.county.health_bureau_name = "改名局"
    assert County.objects.get(pk=org.county_a.pk).name == "改名县"


def test_the_next_test_sees_the_org_fresh_and_unmodified(org):
    assert County.objects.get(pk=org.county_a.pk).name == "青山县"
    assert Clinic.objects.filter(pk=org.ca2a.pk).exists()
    assert org.county_a.name == "青山县" and org.users.doctor.first_name == "doc_a1a"
    # The copies refer to each other as the built objects do.
    assert org.ta1.county is org.county_a and org.county_a.health_bureau_name == "青山县卫生健康局"
    if "county" in SEEN:
        assert org.county_a is not SEEN["county"]
        assert shared_data.BUILDS.get("org") == SEEN["builds"], "the org was built again"


def test_a_database_test_without_org_sees_none(db):
    assert not County.objects.filter(code__in=["QS", "LS"]).exists()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_gets_an_org_other_connections_see(org):
    from django.db import connection

    seen = []

    def look():
        try:
            seen.append(County.objects.filter(pk=org.county_a.pk).exists())
        finally:
            connection.close()

    thread = threading.Thread(target=look)
    thread.start()
    thread.join()
    assert seen == [True]
