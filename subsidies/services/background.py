"""Reads in the background, inside the caller's transaction.

A province settlement alternates between waiting for the database (aggregating report lines) and working in
Python (computing and encoding lines). ``background_reads`` gives a one-thread executor whose thread uses the
*caller's* database connection (Django's thread sharing, as its live-server test thread does), so a read
submitted there runs inside the caller's transaction and sees its uncommitted rows, while the caller computes.

The caller must not use the connection until the read's ``result()`` is in: the two threads take turns, they
never share the wire (psycopg 3 connections would serialise them anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def background_reads(using: str = DEFAULT_DB_ALIAS) -> Iterator[ThreadPoolExecutor]:
    connection = connections[using]
    connection.ensure_connection()

    def share() -> None:
        connections[using] = connection

    connection.inc_thread_sharing()
    try:
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="background-read", initializer=share) as executor:
            yield executor
    finally:
        connection.dec_thread_sharing()
