"""Exports of a resource (a listing's queryset or the resource's own, in the user's scope)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core import spreadsheets
from core.dataio.reading import ImportFileError
from core.dataio.registry import get_resource_class, user_may_export
from core.scope import restrict


def export_bytes(*, resource_name: str, fmt: str, user=None, queryset=None, params=None) -> bytes:
    """The user's rows of a resource as .xlsx or .csv bytes (CSV with a BOM so Excel reads Chinese).
    ``params``: the admin listing's query parameters (filters and search) to export only what it shows."""
    resource_class = get_resource_class(resource_name)
    if not user_may_export(user, resource_class):
        raise PermissionDenied
    resource = resource_class(user=user)
    if params:
        try:
            queryset = resource.filter_for_listing(
                queryset if queryset is not None else resource.get_queryset(), params
            )
        except (ValueError, ValidationError):
            raise ImportFileError(_("筛选条件无效。")) from None
    if queryset is not None and user is not None and resource.scope_paths:
        queryset = restrict(queryset, user, **resource.scope_paths)
    if fmt not in spreadsheets.FORMATS:
        raise ImportFileError(_("只能导出为 .xlsx 或 .csv。"))
    # Native values (numbers, dates) so that the one writer formats every export alike; the strict widgets
    # still render their own text (是/否, choice labels, ISO dates, codes of related rows).
    dataset = resource.export(queryset=queryset, force_native_type=True)
    return spreadsheets.to_bytes(dataset.headers, dataset, fmt)
