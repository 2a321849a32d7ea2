import os
import threading
import time
import traceback
import warnings

import pytest
from django.db import connection, connections
from django.db.backends.signals import connection_created
from django.test import Client
from hypothesis import HealthCheck, settings

from tests import shared_data
from tests.factories import build_org
from tests.shared_data import shared

# One Hypothesis profile for the whole suite. Its timing checks (the per-example deadline and the "input
# generation is slow" health check) measure the machine, not the code: on a loaded CI machine they failed a
# test that passed when rerun. Examples still run in full; only the wall-clock verdicts are off. The
# database-backed properties share function-scoped fixtures across examples on purpose (each example
# cleans up within the test's transaction), so that health check is off too.
settings.register_profile(
    "suite",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile("suite")

# Shared test data: built once, not once per test
# ------------------------------------------------
# Why: ``org`` (two counties, each firing signals that create the county's Wagtail pages, groups and workflow, plus
# eleven users) and the fixtures built on it (programs' ``services``, subsidies' ``sheet``, cms' ``notices``) were
# built again for every test that used them: most of the suite's time.
#
# How: tests/shared_data.py keeps, per test process (one per xdist worker), one outer ``transaction.atomic()`` per
# database with a savepoint level per shared fixture (``@shared``-registered builders: ``org`` here, then the
# sub-packages' ones). Before each test's fixtures are set up (``pytest_runtest_setup`` below, so before the
# test's own atomic from pytest-django's ``db``) the levels are brought in line with the shared fixtures the test
# uses: levels it does not use are rolled back, missing ones built. pytest-django sorts the non-transactional
# database tests first and keeps each module's tests together, so long runs of tests share one build.
#
# Isolation: the test's own atomic (pytest-django's TestCase machinery) nests inside as a savepoint and is rolled
# back after the test, so whatever a test creates, changes or deletes (org objects included) is gone before the
# next one; the shared rows were never committed. The Python objects are not shared: each test gets a deepcopy of
# the pristine objects made right after the build (one memo per test, so sheet.county is that test's
# org.county_a), as Django's TestData does for setUpTestData; caches held on instances (cached properties, a
# user's _scope_cache, related-object caches) are copied from the pristine state, never from another test's. The
# cache is emptied around every test (``_empty_cache``), ids are those of the one build (tests only compare ids
# they read from the objects), the active language is reset per test (``_default_language``).
#
# A database test that does not use a shared fixture runs with no outer transaction open (it would otherwise see
# rows it did not ask for), so interleaved tests cost a rebuild, never isolation.
#
# Per-test builds remain (the fixtures then build in the test's own transaction, as before) for tests that cannot
# see uncommitted rows of an outer transaction or that manage transactions themselves; the outer transaction is
# rolled back before they start:
# - transactional tests: ``@pytest.mark.django_db(transaction=True)`` (the ``concurrency`` tests:
#   tests/test_database_concurrency.py, tests/test_live_server_concurrency.py, tests/clinics/test_import_jobs.py,
#   tests/programs/test_drugs_rules.py, tests/subsidies/test_settlement_services.py), ``reset_sequences``,
#   ``serialized_rollback`` or ``databases``, the ``transactional_db`` / ``live_server`` fixtures (all of
#   tests/e2e);
# - Django TestCase classes (tests/doctors/test_doctors_renewal.py's Hypothesis TestCase, which builds its org once
#   per class in setUpTestData and deep-copies it per example);
# - modules with a module-scoped world of their own opened under ``django_db_blocker`` (tests/clinics/
#   test_validation.py's ``world``, tests/test_whole_site_scope.py's ``site``): from their first such test on,
#   the rest of that module builds per test.
#
# tests/test_shared_data.py checks the isolation; ``-v`` reports how often each shared fixture was built.


@shared("org")
def _build_org():
    return build_org()


@pytest.fixture(scope="session")
def _shared_data(django_db_setup, django_db_blocker):
    state = shared_data.SharedData(django_db_blocker)
    shared_data.STATE = state
    state.sync(shared_data.CURRENT_ITEM)
    yield state
    shared_data.STATE = None
    state.close()


# Who opened each PostgreSQL session of this process (backend pid → test, thread, where in our code): a session
# still open at the end of the run is then named with its origin, not only with its pid and last query.
_OPENED_BY: dict[int, str] = {}


def _remember_who_opened(sender, connection, **kwargs):
    if connection.vendor != "postgresql":
        return
    ours = [
        f"{'/'.join(frame.filename.split('/')[-2:])}:{frame.lineno}"
        for frame in traceback.extract_stack(limit=40)
        if "site-packages" not in frame.filename and "/lib/python" not in frame.filename
    ][-6:-1]
    _OPENED_BY[connection.connection.info.backend_pid] = (
        f"test {os.environ.get('PYTEST_CURRENT_TEST', '?')}, thread {threading.current_thread().name}, "
        f"from {' < '.join(reversed(ours))}"
    )


connection_created.connect(_remember_who_opened)


@pytest.fixture(scope="session", autouse=True)
def _no_connection_left_behind(django_db_setup, django_db_blocker):
    """At the end of a PostgreSQL session, before the test database is dropped: wait (up to 15 s) for sessions
    that other processes or threads still hold on it — a killed worker's backend may still be rolling back —
    and name any that stay, instead of leaving only pytest-django's "database is being accessed by other
    users" and a database behind (seen once in CI)."""
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        connections.close_all()
        deadline = time.monotonic() + 15
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid, application_name, state, backend_start, left(query, 200) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                others = cursor.fetchall()
            if not others or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        connections.close_all()
    if others:
        warnings.warn(
            pytest.PytestWarning(
                "sessions still open on the test database at the end of the run: "
                + "; ".join(f"{row} opened by {_OPENED_BY.get(row[0], 'another process')}" for row in others)
            ),
            stacklevel=1,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    shared_data.CURRENT_ITEM = item
    if shared_data.STATE is not None:
        shared_data.STATE.sync(item)
    return (yield)


@pytest.fixture
def org(_shared_data, request, db):
    return _shared_data.value_for(request, "org")


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


def pytest_terminal_summary(terminalreporter, config):
    if config.get_verbosity() >= 0 and shared_data.BUILDS:
        counts = ", ".join(f"{name} ×{n}" for name, n in shared_data.BUILDS.items())
        terminalreporter.write_line(f"shared test data built: {counts}")
