"""The scope interface the shared plumbing uses.

Scope (who may see which clinic, township, county) is the organisation's rule and lives in
``clinics.selectors``. ``core`` sits below ``clinics`` in the layers (``make lint`` checks it), so it
cannot import it; instead ``clinics`` registers its ``restrict`` here when the app registry is ready
(``ClinicsConfig.ready``). Scoped viewsets and import/export resources call ``core.scope.restrict``,
the dashboard framework ``core.scope.townships_for``: the very same functions as in ``clinics.selectors``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

Restrict = Callable[..., QuerySet[Any]]

_restrict: Restrict | None = None
_townships_for: Callable[[Any], QuerySet[Any]] | None = None


def register(*, restrict: Restrict, townships_for: Callable[[Any], QuerySet[Any]]) -> None:
    global _restrict, _townships_for
    _restrict, _townships_for = restrict, townships_for


def restrict(queryset: QuerySet[Any], user: Any, **paths: str) -> QuerySet[Any]:
    """``queryset`` narrowed to ``user``'s scope; see ``clinics.selectors.restrict`` for the paths."""
    if _restrict is None:  # pragma: no cover - only if the clinics app is not installed
        raise RuntimeError("No scope provider registered: is 'clinics' in INSTALLED_APPS?")
    return _restrict(queryset, user, **paths)


def townships_for(user: Any) -> QuerySet[Any]:
    """The townships ``user`` may see (``clinics.selectors.townships_for``)."""
    if _townships_for is None:  # pragma: no cover - only if the clinics app is not installed
        raise RuntimeError("No scope provider registered: is 'clinics' in INSTALLED_APPS?")
    return _townships_for(user)
