"""Two connections writing at once: the second waits for the first and succeeds, on SQLite as on PostgreSQL.

On SQLite this depends on the settings in config/settings/base.py: WAL, IMMEDIATE transactions and a busy timeout.
With SQLite's default (DEFERRED) transactions the waiting writer has already read, so it cannot upgrade its lock
while the other one writes, and SQLite answers "database is locked" at once instead of waiting."""

import threading
import time

import pytest
from django.db import connection, transaction

from clinics.models import County

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


def test_a_write_that_meets_a_busy_database_waits_and_succeeds():
    holding = threading.Event()
    errors: list[BaseException] = []

    def long_writer():
        try:
            with transaction.atomic():
                County.objects.create(code="HOLD", name="占用县")
                holding.set()
                time.sleep(1.0)  # keeps the write lock for a second
        except BaseException as exc:
            errors.append(exc)
            holding.set()
        finally:
            connection.close()

    def read_then_write():
        try:
            holding.wait(5)
            with transaction.atomic():
                # Reads first, then writes: the pattern that fails at once with DEFERRED transactions on SQLite.
                assert County.objects.filter(code="WAIT").count() == 0
                County.objects.create(code="WAIT", name="等待县")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=long_writer), threading.Thread(target=read_then_write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert set(County.objects.filter(code__in=["HOLD", "WAIT"]).values_list("code", flat=True)) == {"HOLD", "WAIT"}


def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.transaction_mode == "IMMEDIATE"
    assert not connection.is_in_memory_db()  # live-server threads get connections of their own
