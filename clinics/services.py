"""Changes to the organisation tree and to users' roles and scopes."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Clinic, County, Township, UserScope
from .roles import COUNTY_ROLES, ROLE_GROUP_NAMES, ROLE_PERMISSIONS, Role


def role_permissions() -> dict[str, list[str]]:
    """ROLE_PERMISSIONS merged with what each app's AppConfig.role_permissions adds."""
    merged = {role: list(perms) for role, perms in ROLE_PERMISSIONS.items()}
    for config in apps.get_app_configs():
        for role, perms in getattr(config, "role_permissions", {}).items():
            merged.setdefault(role, []).extend(perms)
    return merged


@transaction.atomic
def sync_role_groups() -> None:
    """Create the role groups and give each exactly its declared permissions."""
    for role, codes in role_permissions().items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])
        perms = []
        for code in codes:
            app_label, codename = code.split(".", 1)
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


def sync_role_groups_after_migrate(sender, **kwargs):
    # Run once, after the last app's post_migrate, when every app's permissions exist.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is with_models[-1]:
        sync_role_groups()


@transaction.atomic
def assign_role(*, user, role: str, county: County | None = None, township: Township | None = None,
                clinic: Clinic | None = None) -> UserScope:
    """Give a user their role and place; replaces any earlier role."""
    if role == Role.VILLAGE_DOCTOR and clinic is None:
        raise ValidationError({"clinic": _("村医必须关联到一个村卫生室。")})
    if role == Role.TOWNSHIP_STAFF and township is None:
        raise ValidationError({"township": _("卫生院工作人员必须关联到一个乡镇。")})
    if role in COUNTY_ROLES and county is None:
        raise ValidationError({"county": _("卫健局用户必须关联到一个县。")})
    scope, _created = UserScope.objects.update_or_create(
        user=user,
        defaults={
            "role": role,
            "clinic": clinic if role == Role.VILLAGE_DOCTOR else None,
            "township": township if role == Role.TOWNSHIP_STAFF else None,
            "county": county if role in COUNTY_ROLES else None,
        },
    )
    role_groups = Group.objects.filter(name__in=ROLE_GROUP_NAMES.values())
    user.groups.remove(*role_groups)
    group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[Role(role)])
    user.groups.add(group)
    if hasattr(user, "_scope_cache"):
        del user._scope_cache
    return scope


@transaction.atomic
def create_user_with_role(*, username: str, password: str | None = None, role: str, full_name: str = "",
                          email: str = "", county=None, township=None, clinic=None, password_hash: str | None = None):
    """A new login with its role. ``password_hash`` (from make_password) lets bulk seeding hash once."""
    User = get_user_model()
    user = User.objects.create_user(username=username, password=password, email=email,
                                    first_name=full_name, is_staff=False)
    if password_hash:
        user.password = password_hash
        user.save(update_fields=["password"])
    assign_role(user=user, role=role, county=county, township=township, clinic=clinic)
    return user


@transaction.atomic
def move_doctor_user_to_clinic(*, user, clinic: Clinic) -> UserScope:
    """Follow a village doctor's change of clinic (变更注册) in their login's scope."""
    return assign_role(user=user, role=Role.VILLAGE_DOCTOR, clinic=clinic)


def import_upload_dir():
    """Where uploaded import files wait (the preview's confirm step, background jobs)."""
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "imports"


def purge_old_import_files(*, older_than) -> int:
    """Delete uploaded import files stored longer ago than ``older_than`` (a timedelta): previews never
    confirmed and background jobs checked or failed long ago. Files of jobs still being checked or
    imported are kept. Returns the number of files deleted."""
    from django.utils import timezone

    from .models import ImportJob

    folder = import_upload_dir()
    if not folder.is_dir():
        return 0
    cutoff = (timezone.now() - older_than).timestamp()
    busy = set(ImportJob.objects.filter(state__in=[ImportJob.State.CHECKING, ImportJob.State.IMPORTING])
               .values_list("stored_file", flat=True))
    removed = 0
    for path in folder.iterdir():
        if path.is_file() and path.name not in busy and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed

@transaction.atomic
def unlock_login(*, user, username: str) -> int:
    """Lift the lock-out (django-axes' failed attempts) of one user name of the admin's county; returns how
    many attempt records were cleared."""
    from axes.utils import reset

    from .selectors import login_usernames_for

    if not login_usernames_for(user).filter(username=username).exists():
        raise ValidationError(_("账号“%(name)s”不存在或不在您的管辖范围内，不能解锁。") % {"name": username})
    return reset(username=username)
