import pytest
from django.test import Client

from tests.factories import build_org


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def client_for():
    """A logged-in test client for a user (None: anonymous)."""

    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Cached page fragments are keyed on ids that a rolled-back test database hands out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language (zh-hans). LocaleMiddleware leaves the language of the last
    request active in the thread, so an English request would otherwise turn later tests' direct calls English."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
