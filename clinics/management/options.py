"""Argument handling shared by management commands."""

from django.core.management.base import CommandError

from clinics.models import County


def county_from_option(code: str | None) -> County:
    """The county a ``--county CODE`` option names; without the option, the only county there is."""
    if code:
        county = County.objects.filter(code=code).first()
        if county is None:
            raise CommandError(f"找不到县编码 {code}")
        return county
    counties = list(County.objects.all()[:2])
    if len(counties) != 1:
        raise CommandError("有多个县，请用 --county 指定。")
    return counties[0]
