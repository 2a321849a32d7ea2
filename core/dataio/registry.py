"""The registry of resources by name, and who may import or export each."""

from __future__ import annotations

from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from core.dataio.reading import ImportFileError
from core.dataio.resources import ScopedResource

_registry: dict[str, type[ScopedResource]] = {}
_discovered = False


def register(resource_class: type[ScopedResource]) -> type[ScopedResource]:
    """Class decorator: make a resource available to the admin and the commands by its ``name``."""
    if not resource_class.name:
        raise ValueError(f"{resource_class.__name__} needs a name")
    _registry[resource_class.name] = resource_class
    return resource_class


def registry() -> dict[str, type[ScopedResource]]:
    global _discovered
    if not _discovered:
        autodiscover_modules("resources")
        _discovered = True
    return dict(sorted(_registry.items()))


def get_resource_class(name: str) -> type[ScopedResource]:
    try:
        return registry()[name]
    except KeyError:
        raise ImportFileError(
            _("没有名为“%(name)s”的数据类型。可用：%(names)s") % {"name": name, "names": "、".join(registry())}
        ) from None


def user_may_import(user, resource_class: type[ScopedResource]) -> bool:
    if resource_class.import_permission is None:
        # Export-only lists (stock, violations, expiring batches) are written by the services only;
        # importing them, even from the command line, would bypass the services' checks.
        return False
    return (
        user is None
        or user.is_superuser
        or bool(resource_class.import_permission and user.has_perm(resource_class.import_permission))
    )


def user_may_export(user, resource_class: type[ScopedResource]) -> bool:
    perm = resource_class.export_permission or resource_class.import_permission
    return user is None or user.is_superuser or bool(perm and user.has_perm(perm))


# --------------------------------------------------------------------------- reading files
