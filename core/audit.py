"""Who is changing data, why and through what: the context of the change history (django-auditlog).

One *action* (a request, an import, a background job, a command) is one group of history entries: they
share a correlation id (``cid``), the acting user, the reason given for the change and the source (the
imported file, the job). ``clinics.audit`` stores them on every ``clinics.AuditEntry`` it writes; this
module only holds the context, so that the shared plumbing (imports) can set it too.

- ``AuditMiddleware`` opens an action per request (user: the logged-in user).
- ``with action(user=..., reason=..., source=...):`` opens one in a service, an import or a job; inside an
  action already open it keeps the group and the user and only adds the reason or the source.
- ``@by_user`` on a service taking ``user=``: the same, for the whole service.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Any, ParamSpec, TypeVar

from django.http import HttpRequest, HttpResponse


@dataclass(frozen=True)
class AuditContext:
    cid: str
    user: Any = None  # a User, or a callable returning one (the request's lazy user)
    reason: str = ""
    source: str = ""

    def actor(self) -> Any:
        user = self.user() if callable(self.user) else self.user
        return user if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) else None


T = TypeVar("T")
P = ParamSpec("P")

_current: ContextVar[AuditContext | None] = ContextVar("audit_context", default=None)


def current() -> AuditContext | None:
    return _current.get()


def current_cid() -> str | None:
    """``AUDITLOG_CID_GETTER``: the open action's group id (None outside any action)."""
    context = _current.get()
    return context.cid if context else None


def new_cid() -> str:
    return uuid.uuid4().hex


@contextmanager
def action(*, user: Any = None, reason: str = "", source: str = "") -> Iterator[AuditContext]:
    """Open (or add to) an action: the history entries written inside it form one group."""
    outer = _current.get()
    if outer is None:
        context = AuditContext(cid=new_cid(), user=user, reason=reason[:500], source=source[:200])
    else:
        context = replace(
            outer,
            user=outer.user if outer.actor() is not None or user is None else user,
            reason=reason[:500] or outer.reason,
            source=source[:200] or outer.source,
        )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def by_user(service: Callable[P, T]) -> Callable[P, T]:
    """Run a service (keyword-only, with ``user=``) as an action of that user, so its history names them when
    it is called outside a request too (a command, seed_demo, a background job). Inside a request the
    request's action stays the one (``action`` keeps an outer user)."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        with action(user=kwargs.get("user")):
            return service(*args, **kwargs)

    return run


class AuditMiddleware:
    """Every request is one action of the logged-in user (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(AuditContext(cid=new_cid(), user=lambda: getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


# The pages of the shared plumbing (the scoped viewsets' edit pages) show an object's history through the
# reader clinics registers here (clinics.audit.actions_if_audited): None when the model is not audited.
_readers: list[Callable[[Any, Any], Any]] = []


def register_history_reader(reader: Callable[[Any, Any], Any]) -> None:
    if reader not in _readers:
        _readers.append(reader)


def history_for(obj: Any, user: Any) -> Any:
    """The history panel's actions of ``obj`` as ``user`` may read them, or None (not audited)."""
    for reader in _readers:
        found = reader(obj, user)
        if found is not None:
            return found
    return None
