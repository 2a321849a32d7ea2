"""Test data built once and shared by consecutive tests, each test inside a savepoint of its own.

The design (why, how isolation holds, which tests keep a per-test build) is described in tests/conftest.py.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import transaction

# name -> (builder, names of the shared data it is built from), in registration order: dependencies first.
BUILDERS: dict[str, tuple[Callable, tuple[str, ...]]] = {}

_MEMO = pytest.StashKey[dict]()
_TRANSACTIONAL_FIXTURES = {
    "transactional_db",
    "live_server",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}
_DB_FIXTURES = {"db", *_TRANSACTIONAL_FIXTURES}


def shared(name: str, *, needs: tuple[str, ...] = ()) -> Callable:
    """Register ``build(*needs)`` as the builder of the shared data ``name``; its fixture calls ``value_for``."""

    def register(build: Callable) -> Callable:
        missing = [n for n in needs if n not in BUILDERS]
        assert not missing, f"{name} needs {missing}, which must be registered first"
        BUILDERS[name] = (build, tuple(needs))
        return build

    return register


def _uses_django_testcase_class(item) -> bool:
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    return cls is not None and issubclass(cls, TransactionTestCase)


def _foreign_world_scope(item) -> str | None:
    """The scope of a module-, class- or session-scoped fixture of the test's own that opens the database itself
    (tests/clinics/test_validation.py's ``world``, tests/test_whole_site_scope.py's ``site``), else None."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for name, defs in info.name2fixturedefs.items():
        fixturedef = defs[-1]
        if (
            fixturedef.scope != "function"
            and name not in ("_shared_data", "_no_connection_left_behind")  # conftest's own, not a world
            and "django_db_blocker" in fixturedef.argnames
            and not fixturedef.func.__module__.startswith("pytest_django")
        ):
            return fixturedef.scope
    return None


def wanted_for(item) -> tuple[str, ...] | None:
    """The shared data this test may take from the open outer transaction: None when the test does not use the
    database (whatever is open may stay open), () when nothing may be open while it runs."""
    names = set(getattr(item, "fixturenames", ()))
    marker = item.get_closest_marker("django_db")
    if not (marker or names & _DB_FIXTURES or _uses_django_testcase_class(item)):
        return None
    if _uses_django_testcase_class(item) or names & _TRANSACTIONAL_FIXTURES:
        return ()
    if marker is not None:
        from pytest_django.plugin import validate_django_db

        transaction_, reset_sequences, databases, serialized_rollback, _apps = validate_django_db(marker)
        if transaction_ or reset_sequences or serialized_rollback or databases:
            return ()
    info = getattr(item, "_fixtureinfo", None)
    wanted: list[str] = []
    for name, (_build, needs) in BUILDERS.items():  # dependencies come first
        if name in names and info is not None and _is_shared_fixture(info, name) and set(needs) <= set(wanted):
            wanted.append(name)
    return tuple(wanted)


def _is_shared_fixture(info, name: str) -> bool:
    """Whether the test's fixture ``name`` is (or extends) the shared one, not an unrelated fixture of that name."""
    for fixturedef in reversed(info.name2fixturedefs.get(name, ())):
        if "_shared_data" in fixturedef.argnames:
            return True
        if name not in fixturedef.argnames:
            return False
    return False


class SharedData:
    """A stack of savepoint levels in one outer transaction per database: level i holds the i-th shared data
    of the current key. Moving to another key pops levels (rolling them back) until the stack is a prefix of
    the new key, then builds the rest."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.levels: list[tuple[str, dict]] = []  # (name, {alias: Atomic})
        self.built: dict[str, object] = {}
        self.item = None
        self.disabled_for: object = None  # a module (or the session) where a foreign world may be open

    @property
    def key(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.levels)

    def sync(self, item) -> None:
        """Called before the test's fixtures are set up (none of the previous test's function fixtures remain)."""
        self.item = None
        wanted = wanted_for(item)
        scope = _foreign_world_scope(item)
        # A test that uses only a foreign world (``world`` opens the database itself, without ``db``) is a
        # database test too: that world is built on an empty database, so nothing shared may stay open.
        if wanted is None and scope is None:
            return
        if scope is not None:
            self.disabled_for = item.session if scope == "session" else item.module
        if self.disabled_for is not None and self.disabled_for in (item.session, item.module):
            wanted = ()
        keep = 0
        while keep < min(len(self.levels), len(wanted)) and self.levels[keep][0] == wanted[keep]:
            keep += 1
        with self.blocker.unblock():
            while len(self.levels) > keep:
                self._pop()
            for name in wanted[keep:]:
                self._push(name)
        self.item = item

    def _push(self, name: str) -> None:
        atomics = {}
        try:
            for alias in settings.DATABASES:
                atomic = transaction.atomic(using=alias)
                # As Django's TestCase tags its class-level atomics: a durable atomic block in the code under test
                # may then run inside (it is nested within the test's own atomic, tagged likewise).
                atomic._from_testcase = True
                atomic.__enter__()
                atomics[alias] = atomic
            self.levels.append((name, atomics))
            build, needs = BUILDERS[name]
            self.built[name] = build(*(self.built[n] for n in needs))
            BUILDS[name] = BUILDS.get(name, 0) + 1
        except BaseException:
            if self.levels and self.levels[-1][1] is atomics:
                self._pop()
            else:
                self._rollback(atomics)
            raise

    def _pop(self) -> None:
        name, atomics = self.levels.pop()
        self.built.pop(name, None)
        self._rollback(atomics)

    @staticmethod
    def _rollback(atomics: dict) -> None:
        for alias, atomic in reversed(list(atomics.items())):
            transaction.set_rollback(True, using=alias)
            atomic.__exit__(None, None, None)

    def close(self) -> None:
        with self.blocker.unblock():
            while self.levels:
                self._pop()
        self.item = None

    def value_for(self, request, name: str, *needs):
        """A fresh copy of the shared ``name`` for this test, or — when it is not shared for this test — a new
        build in the test's own transaction (from ``needs``, the test's copies of what it is built from)."""
        item = request.node
        if self.item is item and name in self.built:
            # One memo per test: the copies refer to each other as the originals do (sheet.county is org.county_a).
            memo = item.stash.setdefault(_MEMO, {})
            return copy.deepcopy(self.built[name], memo)
        build, _needs = BUILDERS[name]
        return build(*needs)


STATE: SharedData | None = None
BUILDS: dict[str, int] = {}  # shared builds per name in this process (reported by tests/conftest.py with -v)
CURRENT_ITEM = None  # the test whose fixtures are being set up (set by tests/conftest.py's pytest_runtest_setup)
